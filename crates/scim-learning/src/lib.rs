//! scim-learning
