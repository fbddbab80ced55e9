//! Real handshakes on 127.0.0.1: a host's own certificate, clients that pin it, and
//! clients that pinned another.

use rustls_pki_types::ServerName;
use std::net::SocketAddr;
use switchboard_tls::{
    CertificateProblem, Fingerprint, ServerIdentity, Trust, certificate_problem, client_config,
    probe,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TLS server that answers `pong` to whatever it reads, until the test ends.
async fn serve(identity: &ServerIdentity) -> SocketAddr {
    let acceptor = identity.acceptor().expect("acceptor");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 4];
                    if tls.read_exact(&mut buf).await.is_ok() {
                        let _ = tls.write_all(b"pong").await;
                        let _ = tls.shutdown().await;
                    }
                }
            });
        }
    });
    addr
}

async fn ping(addr: SocketAddr, trust: &Trust) -> Result<(), std::io::Error> {
    let connector = tokio_rustls::TlsConnector::from(client_config(trust).expect("config"));
    let tcp = TcpStream::connect(addr).await?;
    let mut tls = connector
        .connect(ServerName::try_from("127.0.0.1").expect("name"), tcp)
        .await?;
    tls.write_all(b"ping").await?;
    let mut answer = [0u8; 4];
    tls.read_exact(&mut answer).await?;
    assert_eq!(&answer, b"pong");
    Ok(())
}

#[tokio::test]
async fn a_pinned_certificate_is_trusted_and_no_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = ServerIdentity::self_signed_in(dir.path(), &[]).expect("certificate");
    let addr = serve(&host).await;

    ping(addr, &Trust::Pinned(host.fingerprint()))
        .await
        .expect("the pinned host");

    // Another certificate where the pinned one was: refused, and said so.
    let pinned = Fingerprint::of(b"the certificate the host had before");
    let e = ping(addr, &Trust::Pinned(pinned))
        .await
        .expect_err("refused");
    assert_eq!(
        certificate_problem(&e),
        Some(CertificateProblem::Changed {
            pinned,
            shown: host.fingerprint()
        })
    );
    let said = certificate_problem(&e).expect("a problem").to_string();
    assert!(
        said.contains("someone on the network may be standing in"),
        "{said}"
    );

    // Without a pin, a host's own certificate is not trusted: nobody signed it.
    let e = ping(addr, &Trust::System).await.expect_err("refused");
    assert_eq!(certificate_problem(&e), Some(CertificateProblem::Unknown));

    // What a first connection shows the user to compare with the host's screen.
    assert_eq!(
        probe("127.0.0.1", addr.port()).await.expect("probe"),
        host.fingerprint()
    );
}

#[tokio::test]
async fn probing_a_plain_server_says_what_is_wrong() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let e = probe("127.0.0.1", port)
        .await
        .expect_err("no certificate")
        .to_string();
    assert!(e.contains("did not show a certificate"), "{e}");
}
