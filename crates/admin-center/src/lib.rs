//! admin-center
