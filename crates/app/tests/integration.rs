//! Every integration test of this crate, in one binary: one link and one executable
//! instead of one per file (each is 50-150 MB unoptimised, and CI's disk is finite).
//! Run one file's tests with a filter: `cargo test -p switchboard-app --test integration calls::`.

mod bindings;
mod controller;
mod desktop;
mod ringing_device;
