//! TLS: the bundled web roots by default, a company CA through `root_certificates_pem`,
//! against a loopback TLS server whose certificate a private test CA signed.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sauce_accounts::{Client, ClientBuilder, Credentials, Error, RetryPolicy, TransportErrorKind};

const CA: &str = include_str!("fixtures/tls/ca.pem");
const CERT: &str = include_str!("fixtures/tls/server.pem");
const KEY: &str = include_str!("fixtures/tls/server.key");

/// Serves `connections` TLS connections on localhost, each answered with one team.
fn tls_server(connections: usize) -> String {
    let certificates = CertificateDer::pem_slice_iter(CERT.as_bytes()).collect::<Result<Vec<_>, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://localhost:{}", listener.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for _ in 0..connections {
            let Ok((socket, _)) = listener.accept() else { return };
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut stream = rustls::StreamOwned::new(connection, socket);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let body = br#"{"id": "t1", "name": "Over TLS"}"#;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
            let _ = stream.write_all(body);
            let _ = stream.flush();
            stream.conn.send_close_notify();
            let _ = stream.flush();
        }
    });
    url
}

fn builder(url: &str) -> ClientBuilder {
    Client::builder().base_url(url).credentials(Credentials::new("u", "key-1")).retry_policy(RetryPolicy::none())
}

#[test]
fn a_company_ca_is_trusted_when_given() {
    let url = tls_server(1);
    let client = builder(&url).root_certificates_pem(CA).build().unwrap();
    assert_eq!(client.teams().get("t1").send().unwrap().name, "Over TLS");
}

#[test]
fn an_unknown_ca_is_a_tls_error_that_names_the_remedy() {
    let url = tls_server(1);
    let error = builder(&url).build().unwrap().teams().get("t1").send().unwrap_err();
    match &error {
        Error::Transport(transport) => assert_eq!(transport.kind, TransportErrorKind::Tls, "{error}"),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("root_certificates_pem"), "{error}");
}

#[test]
fn pem_without_a_certificate_is_refused_at_build() {
    for pem in ["not pem at all", KEY] {
        let error = builder("https://localhost:1").root_certificates_pem(pem).build().unwrap_err();
        assert!(matches!(&error, Error::Config(message) if message.contains("root certificate")), "{error:?}");
    }
}
