//! Every integration test of this crate, in one binary: one link and one executable
//! instead of one per file (each is 50-150 MB unoptimised, and CI's disk is finite).
//! Run one file's tests with a filter: `cargo test -p switchboard-cli --test integration calls::`.

mod cli;
mod common;
mod crm;
mod discover;
mod meeting;
mod room;
mod sound;
mod talk;
mod tls;
mod unplug;
mod video;
