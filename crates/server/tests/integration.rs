//! Every integration test of this crate, in one binary: one link and one executable
//! instead of one per file (each is 50-150 MB unoptimised, and CI's disk is finite).
//! Run one file's tests with a filter: `cargo test -p switchboard-server --test integration calls::`.

mod accounts;
mod auth_presence;
mod binary;
mod busy_lamp;
mod callbacks;
mod calls;
mod cluster;
mod common;
mod crm;
mod jaas;
mod login_flood;
mod meetings_errors;
mod metrics;
mod openapi;
mod realtime;
mod second_address;
mod slow_clients;
mod store;
mod strangers;
mod webhooks;
