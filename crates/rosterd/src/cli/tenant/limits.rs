//! `rosterd tenant limits SLUG [--requests-per-second N] [--burst N] [--max-concurrent-writes N]
//! [--reset]`: shows a tenant's fair-share limits, or changes its own (each flag takes a number
//! or `default`; the others stay as they were). Every replica applies a change within
//! [`rosterd_tenancy::fair_share::TENANT_LIMITS_REFRESH`].

use anyhow::Context as _;
use rosterd_tenancy::TenantLimits;
use serde::Serialize;

use super::super::{Context, operator_change};

/// What `tenant limits` was asked to change.
#[derive(Debug, Default)]
pub struct LimitChanges {
    pub requests_per_second: Option<String>,
    pub burst: Option<String>,
    pub max_concurrent_writes: Option<String>,
    pub reset: bool,
}

impl LimitChanges {
    fn any(&self) -> bool {
        self.reset
            || self.requests_per_second.is_some()
            || self.burst.is_some()
            || self.max_concurrent_writes.is_some()
    }

    fn apply(&self, current: TenantLimits) -> anyhow::Result<TenantLimits> {
        let base = if self.reset {
            TenantLimits::default()
        } else {
            current
        };
        let value = |flag: &str, given: &Option<String>, kept: Option<u32>| match given.as_deref() {
            None => Ok(kept),
            Some("default") => Ok(None),
            Some(text) => text.trim().parse::<u32>().map(Some).with_context(|| {
                format!("--{flag}: expected a whole number or `default`, got `{text}`")
            }),
        };
        Ok(TenantLimits {
            requests_per_second: value(
                "requests-per-second",
                &self.requests_per_second,
                base.requests_per_second,
            )?,
            burst: value("burst", &self.burst, base.burst)?,
            max_concurrent_writes: value(
                "max-concurrent-writes",
                &self.max_concurrent_writes,
                base.max_concurrent_writes,
            )?,
        })
    }
}

#[derive(Serialize)]
struct Shown {
    tenant: String,
    /// The tenant's own values (`null`: the default).
    own: TenantLimits,
    /// What its requests meet.
    in_force: InForce,
}

#[derive(Serialize)]
struct InForce {
    requests_per_second: u32,
    burst: u32,
    max_concurrent_writes: u32,
}

pub async fn run(ctx: &mut Context<'_>, slug: &str, changes: &LimitChanges) -> anyhow::Result<()> {
    let tenant = rosterd_tenancy::find_tenant(&ctx.db, slug).await?;
    let mut own = rosterd_tenancy::tenant_limits(&ctx.db, tenant.id).await?;
    if changes.any() {
        let wanted = changes.apply(own)?;
        own = rosterd_tenancy::set_tenant_limits(operator_change(ctx, &tenant), wanted).await?;
    }
    let defaults = &ctx.config.fair_share;
    let shown = Shown {
        tenant: tenant.slug.to_string(),
        own,
        in_force: InForce {
            requests_per_second: own
                .requests_per_second
                .unwrap_or(defaults.requests_per_second),
            burst: own.burst.unwrap_or(defaults.burst),
            max_concurrent_writes: own
                .max_concurrent_writes
                .unwrap_or(defaults.tenant_max_concurrent_writes),
        },
    };
    ctx.emit(&shown, || {
        let line = |name: &str, value: u32, own: Option<u32>| {
            let whose = if own.is_some() {
                "this tenant's own"
            } else {
                "the server's default"
            };
            format!("  {name:<24} {value:>8}  ({whose})\n")
        };
        format!(
            "fair-share limits of {} (they apply while another tenant competes):\n{}{}{}",
            shown.tenant,
            line(
                "requests per second",
                shown.in_force.requests_per_second,
                own.requests_per_second
            ),
            line("burst", shown.in_force.burst, own.burst),
            line(
                "max concurrent writes",
                shown.in_force.max_concurrent_writes,
                own.max_concurrent_writes
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_change_what_they_name_and_keep_the_rest() {
        let current = TenantLimits {
            requests_per_second: Some(100),
            burst: Some(300),
            max_concurrent_writes: None,
        };
        let changes = LimitChanges {
            burst: Some("default".into()),
            max_concurrent_writes: Some("8".into()),
            ..LimitChanges::default()
        };
        assert_eq!(
            changes.apply(current).unwrap(),
            TenantLimits {
                requests_per_second: Some(100),
                burst: None,
                max_concurrent_writes: Some(8),
            }
        );
        let reset = LimitChanges {
            reset: true,
            burst: Some("10".into()),
            ..LimitChanges::default()
        };
        assert_eq!(
            reset.apply(current).unwrap(),
            TenantLimits {
                burst: Some(10),
                ..TenantLimits::default()
            }
        );
        let bad = LimitChanges {
            burst: Some("lots".into()),
            ..LimitChanges::default()
        };
        assert!(bad.apply(current).is_err());
        assert!(!LimitChanges::default().any());
    }
}
