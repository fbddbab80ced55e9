//! Every integration test of this crate, in one binary: one link and one executable
//! instead of one per file (each is 50-150 MB unoptimised, and CI's disk is finite).
//! Run one file's tests with a filter: `cargo test -p switchboard-client --test integration calls::`.

mod call_quality;
mod common;
mod engine;
mod keyring;
mod meeting;
mod negotiation;
mod phone;
mod phone_video;
