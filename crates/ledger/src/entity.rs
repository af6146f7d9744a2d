//! sea-orm entities of the tables this crate owns.

pub mod activation_link;
pub mod ledger_entry;
pub mod license;
pub mod license_policy;
pub mod license_waitlist;
pub mod notification;
pub mod seat_pool;

/// How an inline write transaction reads these tables' columns
/// ([`rosterd_database::inline_writes`]).
pub fn columns(
    columns: rosterd_database::inline_reads::Columns,
) -> rosterd_database::inline_reads::Columns {
    columns
        .and::<activation_link::Entity>()
        .and::<ledger_entry::Entity>()
        .and::<license::Entity>()
        .and::<license_policy::Entity>()
        .and::<license_waitlist::Entity>()
        .and::<notification::Entity>()
        .and::<seat_pool::Entity>()
}
