//! End-to-end tests live in `it/`; this library is empty on purpose so the package has a target
//! besides its test binary.
