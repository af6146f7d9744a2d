//! HTTP tests of the resource endpoints: the router from [`super::resource_routes`], merged into
//! the discovery router as the binary does, driven with `oneshot` over an in-memory store.

mod memory_store;
mod support;

mod bulk_tests;
mod list_tests;
mod resource_tests;
