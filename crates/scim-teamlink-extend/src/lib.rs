//! scim-teamlink-extend
