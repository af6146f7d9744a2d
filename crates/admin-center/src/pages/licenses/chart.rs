//! The seats-in-use chart: a daily series per pool computed from the ledger, and its rendering
//! as an accessible SVG (pure functions, no I/O).
//!
//! The series walks back from today's pool (capacity and seats in use) through the entries that
//! moved seats, newest first: undoing an assign frees a seat, undoing a revoke takes one, a
//! change moves one between kinds, a capacity change restores the capacity before. So the chart
//! needs only the last days' entries, never the whole ledger.
//!
//! The SVG has a `<title>` and a `<desc>` (with the numbers a sighted reader takes from the
//! picture), draws seats in use as a solid line with point markers and capacity as a dashed,
//! labelled line, so nothing depends on colour; the page also offers the numbers as a table.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use rosterd_domain::LicenseKind;
use rosterd_ledger::{Entry, EntryKind};

/// One day's end (or now, for the last point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub in_use: i64,
    pub capacity: i64,
}

/// How an entry changed `kind`'s seats in use.
fn seat_delta(entry: &Entry, kind: LicenseKind) -> i64 {
    match entry.kind {
        EntryKind::Assign if entry.license_kind == kind => 1,
        EntryKind::Revoke if entry.license_kind == kind => -1,
        EntryKind::Change => {
            i64::from(entry.license_kind == kind) - i64::from(entry.from_license_kind == Some(kind))
        }
        _ => 0,
    }
}

/// The pool of `kind` at the end of each of the last `days` days and now (`days + 1` points,
/// oldest first), from its numbers now and the entries (any order) since at least
/// `now - days`.
pub fn daily_series(
    kind: LicenseKind,
    capacity_now: i64,
    in_use_now: i64,
    moves: &[Entry],
    now: DateTime<Utc>,
    days: u32,
) -> Vec<Point> {
    let mut newest_first: Vec<&Entry> = moves.iter().collect();
    newest_first.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.seq)));
    let mut undo = newest_first.into_iter().peekable();
    let (mut in_use, mut capacity) = (in_use_now, capacity_now);
    let mut points = Vec::with_capacity(days as usize + 1);
    for back in 0..=days {
        let at = now - Duration::days(i64::from(back));
        while let Some(entry) = undo.next_if(|e| e.created_at > at) {
            in_use -= seat_delta(entry, kind);
            if entry.kind == EntryKind::CapacityChange
                && entry.license_kind == kind
                && let Some(before) = entry.capacity_before
            {
                capacity = before;
            }
        }
        points.push(Point {
            at,
            in_use,
            capacity,
        });
    }
    points.reverse();
    points
}

/// Escapes text for SVG/XML content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 28.0;

/// The highest value the y axis shows: at least 1, and every point's capacity and seats.
fn y_max(points: &[Point]) -> i64 {
    points
        .iter()
        .map(|p| p.capacity.max(p.in_use))
        .max()
        .unwrap_or(0)
        .max(1)
}

fn x_of(i: usize, n: usize) -> f64 {
    let span = WIDTH - LEFT - RIGHT;
    if n <= 1 {
        LEFT + span
    } else {
        LEFT + span * i as f64 / (n - 1) as f64
    }
}

fn y_of(v: i64, max: i64) -> f64 {
    let span = HEIGHT - TOP - BOTTOM;
    TOP + span - span * v as f64 / max as f64
}

/// The one-sentence summary a screen reader reads for the chart.
pub fn describe(name: &str, points: &[Point]) -> String {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return format!("No data for {name}.");
    };
    let peak = points
        .iter()
        .max_by_key(|p| (p.in_use, std::cmp::Reverse(p.at)))
        .unwrap_or(last);
    format!(
        "{name} seats in use from {} to {}: {} at the start, {} now, highest {} on {}. Capacity now {}.",
        first.at.format("%Y-%m-%d"),
        last.at.format("%Y-%m-%d"),
        first.in_use,
        last.in_use,
        peak.in_use,
        peak.at.format("%Y-%m-%d"),
        last.capacity
    )
}

/// The chart of one pool as an `<svg>` element; `id` makes its title and description ids
/// unique on the page. All text is escaped.
pub fn render_svg(id: &str, name: &str, points: &[Point]) -> String {
    let id = escape(id);
    let max = y_max(points);
    let n = points.len();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = write!(
        svg,
        r#"<title id="{id}-title">{} seats in use, last {} days</title><desc id="{id}-desc">{}</desc>"#,
        escape(name),
        n.saturating_sub(1),
        escape(&describe(name, points))
    );
    // Axes, and the y axis's bounds as text.
    let bottom = HEIGHT - BOTTOM;
    let right = WIDTH - RIGHT;
    let _ = write!(
        svg,
        r#"<g class="chart-axes" aria-hidden="true"><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/><line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/><text x="{}" y="{}" text-anchor="end">{max}</text><text x="{}" y="{bottom}" text-anchor="end">0</text>"#,
        LEFT - 4.0,
        TOP + 4.0,
        LEFT - 4.0,
    );
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(
            svg,
            r#"<text x="{LEFT}" y="{}">{}</text><text x="{right}" y="{}" text-anchor="end">{}</text>"#,
            HEIGHT - 8.0,
            first.at.format("%b %-d"),
            HEIGHT - 8.0,
            last.at.format("%b %-d"),
        );
    }
    svg.push_str("</g>");
    if !points.is_empty() {
        let capacity: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x_of(i, n), y_of(p.capacity, max)))
            .collect();
        let in_use: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x_of(i, n), y_of(p.in_use, max)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="chart-capacity" points="{}" fill="none" stroke-dasharray="6 4" aria-hidden="true"/>"#,
            capacity.join(" ")
        );
        let _ = write!(
            svg,
            r#"<polyline class="chart-in-use" points="{}" fill="none" aria-hidden="true"/>"#,
            in_use.join(" ")
        );
        let _ = write!(svg, r#"<g class="chart-points" aria-hidden="true">"#);
        for (i, p) in points.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2"/>"#,
                x_of(i, n),
                y_of(p.in_use, max)
            );
        }
        svg.push_str("</g>");
        if let Some(last) = points.last() {
            let _ = write!(
                svg,
                r#"<text class="chart-label" x="{}" y="{:.1}" text-anchor="end" aria-hidden="true">capacity {}</text>"#,
                right,
                (y_of(last.capacity, max) - 4.0).max(TOP - 2.0),
                last.capacity
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use rosterd_ledger::{Actor, ActorKind};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn entry(seq: i64, kind: EntryKind, lk: LicenseKind, when: DateTime<Utc>) -> Entry {
        Entry {
            id: rosterd_domain::LedgerEntryId::new(),
            seq,
            kind,
            license_kind: lk,
            from_license_kind: None,
            person_id: None,
            license_id: None,
            license_source: None,
            capacity_before: None,
            capacity_after: None,
            actor: Actor::new(ActorKind::System, "test"),
            reason: String::new(),
            created_at: when,
        }
    }

    const L: LicenseKind = LicenseKind::Learning;
    const CORE: LicenseKind = LicenseKind::SalesNavigatorCore;
    const ADV: LicenseKind = LicenseKind::SalesNavigatorAdvanced;

    #[test]
    fn a_quiet_pool_is_flat_at_todays_numbers() {
        let points = daily_series(L, 10, 4, &[], at(20, 12), 3);
        assert_eq!(points.len(), 4);
        assert!(points.iter().all(|p| p.in_use == 4 && p.capacity == 10));
        assert_eq!(points[0].at, at(17, 12), "oldest first");
        assert_eq!(points[3].at, at(20, 12), "the last point is now");
    }

    #[test]
    fn walking_back_undoes_assigns_revokes_and_changes_of_this_kind_only() {
        let mut change = entry(4, EntryKind::Change, ADV, at(20, 9));
        change.from_license_kind = Some(CORE);
        let moves = vec![
            entry(1, EntryKind::Assign, CORE, at(18, 9)),
            entry(2, EntryKind::Assign, CORE, at(19, 9)),
            entry(3, EntryKind::Revoke, CORE, at(19, 10)),
            change,
            entry(5, EntryKind::Assign, L, at(20, 10)),
            entry(6, EntryKind::Activate, CORE, at(20, 11)),
        ];
        // Core: +1 on the 18th, +1 -1 on the 19th, one changed away to Advanced on the 20th.
        let core = daily_series(CORE, 5, 0, &moves, at(20, 12), 3);
        let got: Vec<i64> = core.iter().map(|p| p.in_use).collect();
        assert_eq!(got, vec![0, 1, 1, 0]);
        let adv = daily_series(ADV, 5, 1, &moves, at(20, 12), 3);
        assert_eq!(
            adv.iter().map(|p| p.in_use).collect::<Vec<_>>(),
            vec![0, 0, 0, 1]
        );
    }

    #[test]
    fn capacity_changes_are_undone_to_the_capacity_before() {
        let mut raise = entry(1, EntryKind::CapacityChange, L, at(19, 8));
        raise.capacity_before = Some(5);
        raise.capacity_after = Some(20);
        let mut other = entry(2, EntryKind::CapacityChange, CORE, at(19, 9));
        other.capacity_before = Some(1);
        let points = daily_series(L, 20, 3, &[raise, other], at(20, 12), 2);
        let caps: Vec<i64> = points.iter().map(|p| p.capacity).collect();
        assert_eq!(caps, vec![5, 20, 20]);
    }

    #[test]
    fn the_svg_is_labelled_described_and_escaped() {
        let points = daily_series(L, 10, 4, &[], at(20, 12), 2);
        let svg = render_svg("pool-learning", "R&D <seats>", &points);
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>"));
        assert!(
            svg.contains(r#"role="img" aria-labelledby="pool-learning-title pool-learning-desc""#)
        );
        assert!(svg.contains(r#"<title id="pool-learning-title">R&amp;D &lt;seats&gt; seats in use, last 2 days</title>"#));
        assert!(svg.contains("4 at the start, 4 now, highest 4 on 2026-11-18. Capacity now 10."));
        assert!(!svg.contains("<seats>"));
        assert!(
            svg.contains(r#"stroke-dasharray="6 4""#),
            "capacity is dashed"
        );
        assert!(svg.contains(">capacity 10</text>"));
        assert_eq!(svg.matches("<circle").count(), 3, "a marker per day");
    }

    #[test]
    fn points_scale_to_the_largest_value_and_an_empty_pool_does_not_divide_by_zero() {
        assert_eq!(y_max(&[]), 1);
        let zero = daily_series(L, 0, 0, &[], at(20, 12), 1);
        assert_eq!(y_max(&zero), 1);
        let svg = render_svg("z", "Empty", &zero);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        // Capacity 10, 10 in use: the line is at the top of the plot.
        let full = daily_series(L, 10, 10, &[], at(20, 12), 1);
        let y = y_of(10, y_max(&full));
        assert!((y - TOP).abs() < f64::EPSILON);
        assert!((y_of(0, 10) - (HEIGHT - BOTTOM)).abs() < f64::EPSILON);
    }

    #[test]
    fn the_description_names_the_peak() {
        let moves = vec![
            entry(1, EntryKind::Assign, L, at(18, 9)),
            entry(2, EntryKind::Revoke, L, at(19, 9)),
        ];
        let points = daily_series(L, 10, 0, &moves, at(20, 12), 3);
        assert_eq!(
            describe("Learning", &points),
            "Learning seats in use from 2026-11-17 to 2026-11-20: 0 at the start, 0 now, highest 1 on 2026-11-18. Capacity now 10."
        );
    }
}
