//! scim-sales-navigator
