//! A real server for a crate's integration tests: on 127.0.0.1, port 0, with accounts.

use switchboard_server::{Server, ServerConfig};

/// Every test account's password.
pub const PASSWORD: &str = "password123";

/// A server on 127.0.0.1 with `config`, holding accounts `names` (password [`PASSWORD`]).
pub async fn serve(config: ServerConfig, names: &[&str]) -> Server {
    let server = Server::bind("127.0.0.1:0".parse().expect("addr"), config)
        .await
        .expect("server");
    server
        .accounts()
        .seed(names, PASSWORD)
        .await
        .expect("accounts");
    server
}
