//! The three products a tenant buys seats for, and the license kinds (seat pools) behind them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// A product with its own SCIM app (and token) per tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Product {
    Learning,
    SalesNavigator,
    TeamlinkExtend,
}

impl Product {
    pub const ALL: [Product; 3] = [
        Product::Learning,
        Product::SalesNavigator,
        Product::TeamlinkExtend,
    ];

    /// The slug used in URLs, the CLI and the database.
    pub fn slug(self) -> &'static str {
        match self {
            Product::Learning => "learning",
            Product::SalesNavigator => "sales-navigator",
            Product::TeamlinkExtend => "teamlink-extend",
        }
    }

    /// The name people read.
    pub fn display_name(self) -> &'static str {
        match self {
            Product::Learning => "Learning",
            Product::SalesNavigator => "Sales Navigator",
            Product::TeamlinkExtend => "TeamLink Extend",
        }
    }

    /// The license kinds this product's app can assign.
    pub fn license_kinds(self) -> &'static [LicenseKind] {
        match self {
            Product::Learning => &[LicenseKind::Learning],
            Product::SalesNavigator => &[
                LicenseKind::SalesNavigatorCore,
                LicenseKind::SalesNavigatorAdvanced,
                LicenseKind::SalesNavigatorAdvancedPlus,
            ],
            Product::TeamlinkExtend => &[LicenseKind::TeamlinkExtend],
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Product {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Product::ALL
            .into_iter()
            .find(|p| p.slug() == s)
            .ok_or_else(|| {
                ParseError(format!(
                    "unknown product `{s}`; expected one of: learning, sales-navigator, teamlink-extend"
                ))
            })
    }
}

/// A kind of seat: one seat pool per tenant and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseKind {
    Learning,
    SalesNavigatorCore,
    SalesNavigatorAdvanced,
    SalesNavigatorAdvancedPlus,
    TeamlinkExtend,
}

impl LicenseKind {
    pub const ALL: [LicenseKind; 5] = [
        LicenseKind::Learning,
        LicenseKind::SalesNavigatorCore,
        LicenseKind::SalesNavigatorAdvanced,
        LicenseKind::SalesNavigatorAdvancedPlus,
        LicenseKind::TeamlinkExtend,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            LicenseKind::Learning => "learning",
            LicenseKind::SalesNavigatorCore => "sales-navigator-core",
            LicenseKind::SalesNavigatorAdvanced => "sales-navigator-advanced",
            LicenseKind::SalesNavigatorAdvancedPlus => "sales-navigator-advanced-plus",
            LicenseKind::TeamlinkExtend => "teamlink-extend",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            LicenseKind::Learning => "Learning",
            LicenseKind::SalesNavigatorCore => "Sales Navigator Core",
            LicenseKind::SalesNavigatorAdvanced => "Sales Navigator Advanced",
            LicenseKind::SalesNavigatorAdvancedPlus => "Sales Navigator Advanced Plus",
            LicenseKind::TeamlinkExtend => "TeamLink Extend",
        }
    }

    /// The product whose app provisions this kind.
    pub fn product(self) -> Product {
        match self {
            LicenseKind::Learning => Product::Learning,
            LicenseKind::SalesNavigatorCore
            | LicenseKind::SalesNavigatorAdvanced
            | LicenseKind::SalesNavigatorAdvancedPlus => Product::SalesNavigator,
            LicenseKind::TeamlinkExtend => Product::TeamlinkExtend,
        }
    }
}

impl fmt::Display for LicenseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for LicenseKind {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LicenseKind::ALL
            .into_iter()
            .find(|k| k.slug() == s)
            .ok_or_else(|| {
                let all: Vec<_> = LicenseKind::ALL.iter().map(|k| k.slug()).collect();
                ParseError(format!(
                    "unknown license kind `{s}`; expected one of: {}",
                    all.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for p in Product::ALL {
            assert_eq!(p.slug().parse::<Product>().unwrap(), p);
        }
        for k in LicenseKind::ALL {
            assert_eq!(k.slug().parse::<LicenseKind>().unwrap(), k);
        }
    }

    #[test]
    fn every_kind_belongs_to_the_product_that_lists_it() {
        for p in Product::ALL {
            for k in p.license_kinds() {
                assert_eq!(k.product(), p);
            }
        }
    }

    #[test]
    fn unknown_kind_lists_the_valid_ones() {
        let err = "sales-nav".parse::<LicenseKind>().unwrap_err().to_string();
        assert!(err.contains("sales-navigator-advanced-plus"), "{err}");
    }
}
