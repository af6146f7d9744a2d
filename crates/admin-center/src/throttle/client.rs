//! The client address a sign-in is throttled by. `X-Forwarded-For` is believed only when the
//! connection comes from a configured proxy ([`TrustedProxies`], none by default): anyone can send
//! the header, so from any other peer it is ignored and the peer address counts. Behind trusted
//! proxies the entries are read from the right (the one the nearest proxy appended) past every
//! trusted address; the first address that is not a proxy is the client.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AdminState;
use crate::error::AdminError;

/// One network: an address and a prefix length (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR network"))?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?,
        };
        Ok(Network { addr, prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` is believed (config `trusted_proxies`): a comma- or
/// space-separated list of addresses and CIDR networks. Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// No proxy is trusted: the peer address is the client.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address: `peer` itself unless it is a trusted proxy; then, reading the
    /// `forwarded` entries from the right, the first that is not a trusted proxy. An entry that
    /// is not an address ends the walk at the last proxy seen, so garbage never becomes a key.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded: impl DoubleEndedIterator<Item = &'a str>,
    ) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        for entry in forwarded.rev() {
            let Some(ip) = parse_entry(entry) else {
                return client;
            };
            client = ip;
            if !self.contains(ip) {
                return ip;
            }
        }
        client
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        s.split([',', ' ', '\n', '\t'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&list.join(","))
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

/// The client's address, when known (the server records peers; a router driven without a
/// socket has none, and then only the account is throttled).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

impl ClientAddr {
    /// The throttle keys of an attempt on `account`: the account, and the address if known.
    pub fn keys(&self, account: String) -> Vec<String> {
        let mut keys = vec![account];
        keys.extend(self.0.as_deref().map(super::address_key));
        keys
    }
}

impl FromRequestParts<AdminState> for ClientAddr {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AdminState) -> Result<Self, AdminError> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientAddr(None));
        };
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter(|v| !v.trim().is_empty())
            .collect();
        let client = state
            .trusted_proxies
            .client(peer.ip(), forwarded.into_iter());
        Ok(ClientAddr(Some(client.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.168.1.5 2001:db8::/32".parse().unwrap();
        let cases = [
            (
                "no proxy trusted",
                "",
                "203.0.113.9",
                "1.2.3.4",
                "203.0.113.9",
            ),
            (
                "untrusted peer",
                "x",
                "203.0.113.9",
                "1.2.3.4",
                "203.0.113.9",
            ),
            ("one trusted hop", "x", "10.1.2.3", "1.2.3.4", "1.2.3.4"),
            (
                "a spoofed entry left of the real one",
                "x",
                "10.1.2.3",
                "6.6.6.6, 1.2.3.4",
                "1.2.3.4",
            ),
            (
                "two trusted hops",
                "x",
                "10.1.2.3",
                "1.2.3.4, 192.168.1.5",
                "1.2.3.4",
            ),
            ("no header", "x", "10.1.2.3", "", "10.1.2.3"),
            (
                "garbage stops the walk",
                "x",
                "10.1.2.3",
                "1.2.3.4, nonsense",
                "10.1.2.3",
            ),
            (
                "a port is dropped",
                "x",
                "10.1.2.3",
                "1.2.3.4:5678",
                "1.2.3.4",
            ),
            (
                "ipv6 proxy",
                "x",
                "2001:db8::1",
                "[2001:db9::7]:443",
                "2001:db9::7",
            ),
            (
                "mapped ipv4 peer",
                "x",
                "::ffff:10.0.0.1",
                "1.2.3.4",
                "1.2.3.4",
            ),
            ("all trusted", "x", "10.1.2.3", "10.9.9.9", "10.9.9.9"),
        ];
        for (what, trusted, peer, header, want) in cases {
            let trusted = if trusted.is_empty() {
                TrustedProxies::none()
            } else {
                proxies.clone()
            };
            let entries: Vec<&str> = header.split(',').filter(|e| !e.trim().is_empty()).collect();
            assert_eq!(
                trusted.client(ip(peer), entries.into_iter()),
                ip(want),
                "{what}"
            );
        }
    }

    #[test]
    fn networks_parse_and_bad_ones_are_named() {
        let proxies: TrustedProxies = "10.0.0.0/8,::1".parse().unwrap();
        assert_eq!(proxies.to_string(), "10.0.0.0/8,::1/128");
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        let slash_zero: TrustedProxies = "0.0.0.0/0".parse().unwrap();
        assert!(slash_zero.contains(ip("8.8.8.8")));
        assert!(!slash_zero.contains(ip("::2")));
        for (bad, says) in [
            ("10.0.0.0/33", "0 to 32"),
            ("proxy.internal", "not an IP address"),
            ("::/129", "0 to 128"),
        ] {
            let err = bad.parse::<TrustedProxies>().unwrap_err();
            assert!(err.contains(bad) && err.contains(says), "{err}");
        }
    }
}
