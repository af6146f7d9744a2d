//! The waiting list's serving order, as a pure comparison: employee number (numeric-aware, so
//! "9" comes before "10"; people without one after everyone with one), then family name, then
//! given name (case-insensitive; people without one after those with one), then person id so
//! the order is total and the same on every backend.
//!
//! Names compare by lowercase code points, not by a locale's collation: the order must be the
//! same on SQLite and PostgreSQL and across replicas, and the documents promise "employee
//! number or name alphabetically", which this keeps for the names IdPs send.

use std::cmp::Ordering;

use rosterd_domain::PersonId;

use super::WaitKey;

/// How two waiting people are served: `Less` means `a` gets a seat first.
pub(crate) fn serving_order(a: (&WaitKey, PersonId), b: (&WaitKey, PersonId)) -> Ordering {
    let (ka, kb) = (a.0, b.0);
    present_first(
        given(&ka.employee_number),
        given(&kb.employee_number),
        natural_cmp,
    )
    .then_with(|| present_first(given(&ka.family_name), given(&kb.family_name), caseless_cmp))
    .then_with(|| present_first(given(&ka.given_name), given(&kb.given_name), caseless_cmp))
    .then_with(|| a.1.cmp(&b.1))
}

/// A value that is there: blank counts as absent; surrounding spaces do not count.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Compares two optional values: both present by `cmp`, present before absent.
fn present_first(a: Option<&str>, b: Option<&str>, cmp: fn(&str, &str) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => cmp(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn caseless_cmp(a: &str, b: &str) -> Ordering {
    a.to_lowercase().cmp(&b.to_lowercase())
}

/// A run of digits or of other characters.
fn chunks(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digits = first.is_ascii_digit();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() != digits)
            .map_or(rest.len(), |(i, _)| i);
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}

/// Numeric-aware comparison: digit runs compare as numbers of any length (no overflow: by
/// significant length, then digit by digit), other runs case-insensitively, digits before
/// letters. "007" and "7" are the same number: the names decide between them.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut ca = chunks(a);
    let mut cb = chunks(b);
    loop {
        let (x, y) = match (ca.next(), cb.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => (x, y),
        };
        let x_digits = x.starts_with(|c: char| c.is_ascii_digit());
        let y_digits = y.starts_with(|c: char| c.is_ascii_digit());
        let order = match (x_digits, y_digits) {
            (true, true) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.to_lowercase().cmp(&y.to_lowercase()),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(employee: Option<&str>, family: Option<&str>, given: Option<&str>) -> WaitKey {
        WaitKey {
            employee_number: employee.map(Into::into),
            family_name: family.map(Into::into),
            given_name: given.map(Into::into),
        }
    }

    #[test]
    fn employee_numbers_compare_as_numbers() {
        let cases = [
            ("9", "10", Ordering::Less, "9 before 10"),
            ("10", "9", Ordering::Greater, "and not the other way"),
            ("099", "100", Ordering::Less, "leading zeros do not count"),
            ("E9", "E10", Ordering::Less, "a prefix then a number"),
            (
                "E10",
                "e9",
                Ordering::Greater,
                "prefixes compare case-insensitively",
            ),
            ("A-2", "B-1", Ordering::Less, "the prefix decides first"),
            ("12", "A1", Ordering::Less, "digits before letters"),
            ("1", "1a", Ordering::Less, "a shorter run of chunks first"),
            (
                "123456789012345678901234567890",
                "99",
                Ordering::Greater,
                "no overflow",
            ),
            (
                "007",
                "7",
                Ordering::Equal,
                "equal numbers: the names decide",
            ),
            ("42", "42", Ordering::Equal, "the same number"),
        ];
        for (a, b, expected, why) in cases {
            assert_eq!(natural_cmp(a, b), expected, "{a} vs {b}: {why}");
        }
    }

    #[test]
    fn serving_order_is_employee_number_then_family_then_given_then_id() {
        let p1 = PersonId::new();
        let p2 = PersonId::new();
        let cases = [
            (
                key(Some("9"), Some("Zed"), None),
                key(Some("10"), Some("Abe"), None),
                Ordering::Less,
                "the employee number decides before the name",
            ),
            (
                key(Some("500"), None, None),
                key(None, Some("Abe"), Some("Ann")),
                Ordering::Less,
                "people with an employee number before people without",
            ),
            (
                key(None, Some("lee"), Some("Zoe")),
                key(None, Some("Lee"), Some("ann")),
                Ordering::Greater,
                "same family name (any case): the given name decides",
            ),
            (
                key(None, Some("adams"), None),
                key(None, Some("Baker"), None),
                Ordering::Less,
                "family names compare case-insensitively",
            ),
            (
                key(None, Some("Lee"), None),
                key(None, None, Some("Aaron")),
                Ordering::Less,
                "a family name before none",
            ),
            (
                key(Some(" "), None, None),
                key(Some("1"), None, None),
                Ordering::Greater,
                "a blank employee number counts as none",
            ),
            (
                key(None, None, None),
                key(None, None, None),
                Ordering::Less,
                "all else equal: the older person id first",
            ),
        ];
        for (a, b, expected, why) in cases {
            assert_eq!(serving_order((&a, p1), (&b, p2)), expected, "{why}");
            assert_eq!(
                serving_order((&b, p2), (&a, p1)),
                expected.reverse(),
                "{why} (reversed)"
            );
        }
    }

    #[test]
    fn sorting_a_list_gives_the_documented_order() {
        let mut people = vec![
            key(None, Some("Brown"), Some("Bo")),
            key(Some("10"), Some("Adams"), None),
            key(Some("9"), Some("Young"), None),
            key(None, Some("brown"), Some("Al")),
            key(Some("100"), None, None),
            key(None, None, None),
        ];
        let ids: Vec<PersonId> = people.iter().map(|_| PersonId::new()).collect();
        let mut pairs: Vec<(WaitKey, PersonId)> = people.drain(..).zip(ids).collect();
        pairs.sort_by(|a, b| serving_order((&a.0, a.1), (&b.0, b.1)));
        let order: Vec<String> = pairs
            .iter()
            .map(|(k, _)| {
                k.employee_number
                    .clone()
                    .or_else(|| k.given_name.clone())
                    .unwrap_or_else(|| "-".into())
            })
            .collect();
        assert_eq!(order, ["9", "10", "100", "Al", "Bo", "-"]);
    }
}
