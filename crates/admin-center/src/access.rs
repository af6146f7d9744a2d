//! Signing in and out of the admin center, and changing one's password.

pub mod login;
pub mod password;
