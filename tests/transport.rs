//! The transport under faults: timeouts, resets, bad bodies, size limits, retries, redirects,
//! concurrency, and the promise that no credential ever shows up in what users see.

mod common;

use std::time::{Duration, Instant};

use common::{
    ACCESS_KEY, Reply, Scripted, USERNAME, authorization, builder, http_response, recording_policy, request_header,
    request_line,
};
use sauce_accounts::{Client, Credentials, Error, Region, RetryPolicy, TransportErrorKind};

const TEAM_JSON: &[u8] = br#"{"id": "t1", "name": "Team One"}"#;

/// A base URL on a loopback port nothing listens on.
fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

/// A GET to a closed port, without retries.
fn refused_get() -> Error {
    builder(&closed_port_url()).retry_policy(RetryPolicy::none()).build().unwrap().teams().get("t").send().unwrap_err()
}

fn transport_kind(error: &Error) -> &TransportErrorKind {
    match error {
        Error::Transport(error) => &error.kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

// ----- configuration -----

#[test]
fn regions_parse_from_names_and_aliases() {
    let cases = [
        ("us-west-1", Region::UsWest1),
        ("US", Region::UsWest1),
        (" us-west ", Region::UsWest1),
        ("us-east-4", Region::UsEast4),
        ("us-east", Region::UsEast4),
        ("EU", Region::EuCentral1),
        ("eu-central-1", Region::EuCentral1),
        ("apac", Region::ApacSoutheast1),
        ("APAC-SOUTHEAST-1", Region::ApacSoutheast1),
    ];
    for (text, region) in cases {
        assert_eq!(text.parse::<Region>().unwrap(), region, "{text}");
    }
    let error = "mars-north-1".parse::<Region>().unwrap_err().to_string();
    for name in ["us-west-1", "us-east-4", "eu-central-1", "apac-southeast-1", "mars-north-1"] {
        assert!(error.contains(name), "{error}");
    }
}

#[test]
fn each_region_has_its_base_url() {
    let expected = [
        (Region::UsWest1, "https://api.us-west-1.saucelabs.com"),
        (Region::UsEast4, "https://api.us-east-4.saucelabs.com"),
        (Region::EuCentral1, "https://api.eu-central-1.saucelabs.com"),
        (Region::ApacSoutheast1, "https://api.apac-southeast-1.saucelabs.com"),
    ];
    for (region, url) in expected {
        assert_eq!(region.base_url(), url);
        let client = Client::builder().region(region).credentials(Credentials::new("u", "k")).build().unwrap();
        assert_eq!(client.base_url(), url);
    }
    assert_eq!(Region::default(), Region::UsWest1);
}

#[test]
fn credentials_from_the_environment_name_what_is_missing() {
    let lookup = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
    };
    let credentials =
        Credentials::from_lookup(lookup(&[("SAUCE_USERNAME", "admin"), ("SAUCE_ACCESS_KEY", "k-1")])).unwrap();
    assert_eq!(credentials.username(), "admin");
    let both = Credentials::from_lookup(lookup(&[])).unwrap_err().to_string();
    assert!(both.contains("SAUCE_USERNAME and SAUCE_ACCESS_KEY are not set"), "{both}");
    let key = Credentials::from_lookup(lookup(&[("SAUCE_USERNAME", "admin")])).unwrap_err().to_string();
    assert!(key.contains("SAUCE_ACCESS_KEY is not set") && !key.contains("SAUCE_USERNAME"), "{key}");
    let user = Credentials::from_lookup(lookup(&[("SAUCE_ACCESS_KEY", "k"), ("SAUCE_USERNAME", "  ")]))
        .unwrap_err()
        .to_string();
    assert!(user.contains("SAUCE_USERNAME is not set") && !user.contains("SAUCE_ACCESS_KEY"), "{user}");
}

#[test]
fn plain_http_is_refused_for_hosts_that_are_not_loopback() {
    let error = builder("http://accounts.example.com").build().unwrap_err();
    assert!(matches!(error, Error::Config(_)));
    assert!(error.to_string().contains("allow_plain_http_for"), "{error}");
    assert!(builder("http://accounts.example.com").allow_plain_http_for("accounts.example.com").build().is_ok());
    assert!(builder("https://accounts.example.com").build().is_ok());
    assert!(Client::builder().build().unwrap_err().to_string().contains("no credentials"));
}

#[test]
fn the_user_agent_names_the_crate_and_the_suffix() {
    let server = Scripted::start(vec![http_response("200 OK", &[], TEAM_JSON)]);
    builder(&server.url).user_agent_suffix("offboarding-bot/2").build().unwrap().teams().get("t1").send().unwrap();
    let requests = server.finish();
    assert_eq!(
        request_header(&requests[0], "user-agent"),
        Some(concat!("sauce-accounts/", env!("CARGO_PKG_VERSION"), " offboarding-bot/2"))
    );
    assert_eq!(request_header(&requests[0], "authorization"), Some(authorization().as_str()));
}

// ----- faults -----

#[test]
fn connection_refused_is_a_connect_error() {
    let error = refused_get();
    assert_eq!(transport_kind(&error), &TransportErrorKind::Connect);
    assert!(error.is_retryable());
    assert!(error.to_string().contains("could not connect"), "{error}");
}

#[test]
fn a_silent_server_times_out_well_before_it_answers() {
    let server = Scripted::start(vec![Reply::Silence(Duration::from_secs(3))]);
    let client =
        builder(&server.url).timeout(Duration::from_millis(400)).retry_policy(RetryPolicy::none()).build().unwrap();
    let started = Instant::now();
    let error = client.teams().get("t").send().unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(transport_kind(&error), &TransportErrorKind::Timeout);
    // Generous: the server stays silent for 3 s; the 400 ms timeout must end the call first.
    assert!(elapsed < Duration::from_millis(2_500), "took {elapsed:?}");
}

#[test]
fn a_connection_cut_mid_body_is_an_io_error() {
    let cut =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\": \"t1\", ".to_vec();
    let server = Scripted::start(vec![Reply::Raw(cut)]);
    let error =
        builder(&server.url).retry_policy(RetryPolicy::none()).build().unwrap().teams().get("t1").send().unwrap_err();
    assert!(matches!(transport_kind(&error), TransportErrorKind::Io | TransportErrorKind::Protocol), "{error:?}");
}

#[test]
fn truncated_json_is_a_decode_error_with_position() {
    let server = Scripted::start(vec![http_response("200 OK", &[], br#"{"id": "t1", "na"#)]);
    let error = builder(&server.url).build().unwrap().teams().get("t1").send().unwrap_err();
    match &error {
        Error::Decode(decode) => {
            assert_eq!(decode.status, 200);
            assert_eq!(decode.operation.id, "get_team");
            assert!(decode.message.contains("line 1 column"), "{}", decode.message);
            assert!(decode.body_snippet.contains("\"id\""));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalid_utf8_is_a_decode_error() {
    let server = Scripted::start(vec![http_response("200 OK", &[], &[b'{', b'"', 0xff, 0xfe, b'"', b'}'])]);
    let error = builder(&server.url).build().unwrap().teams().get("t1").send().unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
}

#[test]
fn an_html_page_from_a_proxy_is_reported_not_panicked_on() {
    let page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let server = Scripted::start(vec![
        http_response("502 Bad Gateway", &[("Content-Type", "text/html")], page),
        http_response("200 OK", &[("Content-Type", "text/html")], page),
    ]);
    let client = builder(&server.url).retry_policy(RetryPolicy::none()).build().unwrap();
    let gateway = client.teams().get("t1").send().unwrap_err();
    assert_eq!(gateway.status(), Some(502));
    assert!(gateway.is_retryable());
    assert!(gateway.to_string().contains("502 Bad Gateway"), "{gateway}");
    let disguised = client.teams().get("t1").send().unwrap_err();
    match &disguised {
        Error::Decode(decode) => assert_eq!(decode.content_type.as_deref(), Some("text/html")),
        other => panic!("{other:?}"),
    }
    assert!(disguised.to_string().contains("a proxy or gateway may have answered"), "{disguised}");
}

#[test]
fn a_body_over_the_size_limit_is_refused() {
    let big = format!(r#"{{"id": "t1", "name": "{}"}}"#, "x".repeat(5000));
    let server = Scripted::start(vec![http_response("200 OK", &[], big.as_bytes())]);
    let error = builder(&server.url)
        .max_body_size(1024)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .teams()
        .get("t1")
        .send()
        .unwrap_err();
    assert_eq!(transport_kind(&error), &TransportErrorKind::BodyTooLarge { limit: 1024 });
}

// ----- retries -----

#[test]
fn a_429_with_retry_after_is_waited_out_and_retried() {
    let server = Scripted::start(vec![
        http_response("429 Too Many Requests", &[("Retry-After", "1")], br#"{"detail": "Request was throttled."}"#),
        http_response("200 OK", &[], TEAM_JSON),
    ]);
    let (policy, waits) = recording_policy();
    let team = builder(&server.url).retry_policy(policy).build().unwrap().teams().get("t1").send().unwrap();
    assert_eq!(team.name, "Team One");
    assert_eq!(*waits.lock().unwrap(), vec![Duration::from_secs(1)]);
    assert_eq!(server.finish().len(), 2);
}

#[test]
fn a_get_is_retried_through_two_503s() {
    let server = Scripted::start(vec![
        http_response("503 Service Unavailable", &[], b"{}"),
        http_response("503 Service Unavailable", &[], b"{}"),
        http_response("200 OK", &[], TEAM_JSON),
    ]);
    let (policy, waits) = recording_policy();
    let policy = policy.base_delay(Duration::from_millis(100)).max_delay(Duration::from_secs(1));
    builder(&server.url).retry_policy(policy).build().unwrap().teams().get("t1").send().unwrap();
    let waits = waits.lock().unwrap().clone();
    assert_eq!(waits.len(), 2);
    assert!(waits[0] >= Duration::from_millis(50) && waits[0] <= Duration::from_millis(100), "{waits:?}");
    assert!(waits[1] >= Duration::from_millis(100) && waits[1] <= Duration::from_millis(200), "{waits:?}");
    assert_eq!(server.finish().len(), 3);
}

#[test]
fn a_post_answered_503_is_not_replayed() {
    let server = Scripted::start(vec![
        http_response("503 Service Unavailable", &[], br#"{"detail": "down"}"#),
        http_response("200 OK", &[], br#"{"id": "u", "username": "x"}"#),
    ]);
    let (policy, waits) = recording_policy();
    let error = builder(&server.url).retry_policy(policy).build().unwrap().users().deactivate("u1").send().unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(waits.lock().unwrap().is_empty());
    assert_eq!(server.requests().len(), 1, "the POST must be sent once");
}

#[test]
fn a_post_is_retried_only_when_it_could_not_connect() {
    let (policy, waits) = recording_policy();
    let error =
        builder(&closed_port_url()).retry_policy(policy).build().unwrap().users().deactivate("u1").send().unwrap_err();
    assert_eq!(transport_kind(&error), &TransportErrorKind::Connect);
    assert_eq!(waits.lock().unwrap().len(), 3, "nothing was sent, so all 4 attempts are made");
}

#[test]
fn a_post_that_timed_out_after_sending_is_not_replayed() {
    let server = Scripted::start(vec![Reply::Silence(Duration::from_millis(800)), http_response("200 OK", &[], b"{}")]);
    let (policy, waits) = recording_policy();
    let client = builder(&server.url).timeout(Duration::from_millis(300)).retry_policy(policy).build().unwrap();
    let error = client.users().activate("u1").send().unwrap_err();
    assert_eq!(transport_kind(&error), &TransportErrorKind::Timeout);
    assert!(waits.lock().unwrap().is_empty());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_retry_after_beyond_the_cap_is_returned_at_once() {
    let server = Scripted::start(vec![http_response(
        "429 Too Many Requests",
        &[("Retry-After", "3600")],
        br#"{"detail": "slow down"}"#,
    )]);
    let (policy, waits) = recording_policy();
    let error = builder(&server.url).retry_policy(policy).build().unwrap().teams().get("t1").send().unwrap_err();
    match &error {
        Error::Api(api) => assert_eq!(api.retry_after, Some(Duration::from_secs(3600))),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("wait 3600 s"), "{error}");
    assert!(waits.lock().unwrap().is_empty());
}

// ----- redirects -----

#[test]
fn a_redirect_to_another_port_is_not_followed_with_credentials() {
    let elsewhere = Scripted::start(vec![http_response("200 OK", &[], TEAM_JSON)]);
    let location = format!("{}/team-management/v1/teams/t1/", elsewhere.url);
    let server = Scripted::start(vec![http_response("302 Found", &[("Location", &location)], b"")]);
    let error = builder(&server.url).build().unwrap().teams().get("t1").send().unwrap_err();
    assert_eq!(transport_kind(&error), &TransportErrorKind::Redirect { location: location.clone() });
    assert!(error.to_string().contains(&location));
    server.finish();
    assert!(elsewhere.requests().is_empty(), "the other origin must not be contacted");
}

#[test]
fn a_same_origin_redirect_of_a_get_is_followed_authenticated() {
    let server = Scripted::start(vec![
        http_response("301 Moved Permanently", &[("Location", "/team-management/v1/teams/t1/")], b""),
        http_response("200 OK", &[], TEAM_JSON),
    ]);
    let url = server.url.clone();
    let team = builder(&url).build().unwrap().teams().get("t1").send().unwrap();
    assert_eq!(team.id, "t1");
    let requests = server.finish();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request_header(request, "authorization"), Some(authorization().as_str()));
    }
}

#[test]
fn a_301_of_a_write_is_an_error_not_a_silent_get() {
    let server = Scripted::start(vec![http_response("301 Moved Permanently", &[("Location", "/elsewhere/")], b"")]);
    let error = builder(&server.url).build().unwrap().users().activate("u1").send().unwrap_err();
    assert!(matches!(transport_kind(&error), TransportErrorKind::Redirect { .. }));
    assert_eq!(server.finish().len(), 1);
}

#[test]
fn a_308_of_a_write_is_followed_with_method_and_body() {
    let server = Scripted::start(vec![
        http_response("308 Permanent Redirect", &[("Location", "/team-management/v1/users/u1/teams/")], b""),
        http_response("204 No Content", &[], b""),
    ]);
    let body = sauce_accounts::types::SetUserTeamsRequest::new(vec!["t1".into()]);
    builder(&server.url).build().unwrap().users().set_teams("u1", &body).send().unwrap();
    let requests = server.finish();
    assert!(request_line(&requests[1]).starts_with("PUT /team-management/v1/users/u1/teams/"));
    assert!(requests[1].ends_with(r#"{"teams":["t1"]}"#), "{}", requests[1]);
    assert_eq!(request_header(&requests[1], "authorization"), Some(authorization().as_str()));
}

// ----- path and arguments -----

#[test]
fn hostile_ids_reach_the_server_as_one_segment() {
    let cases = [
        ("../teams", "/team-management/v1/teams/..%2Fteams/"),
        ("a/b", "/team-management/v1/teams/a%2Fb/"),
        ("x?y=1", "/team-management/v1/teams/x%3Fy%3D1/"),
        ("%2e%2e", "/team-management/v1/teams/%252e%252e/"),
        ("..", "/team-management/v1/teams/%2E%2E/"),
        ("with space", "/team-management/v1/teams/with%20space/"),
        ("zoë#1", "/team-management/v1/teams/zo%C3%AB%231/"),
    ];
    let server = Scripted::start(cases.iter().map(|_| http_response("200 OK", &[], TEAM_JSON)).collect());
    let client = builder(&server.url).build().unwrap();
    for (id, _) in cases {
        client.teams().get(id).send().unwrap();
    }
    let requests = server.finish();
    for ((id, path), request) in cases.iter().zip(&requests) {
        assert_eq!(request_line(request), format!("GET {path} HTTP/1.1"), "{id}");
    }
}

#[test]
fn invalid_arguments_are_refused_before_sending() {
    let server = Scripted::start(vec![]);
    let client = builder(&server.url).build().unwrap();
    let too_many = client.users().lookup().limit(101).send().unwrap_err();
    assert!(matches!(too_many, Error::InvalidArgument { operation_id: "lookup_users", .. }));
    assert!(too_many.to_string().contains("limit is 101, but must be from 1 to 100"), "{too_many}");
    assert!(client.users().lookup().limit(0).send().is_err());
    assert!(client.teams().get("").send().unwrap_err().to_string().contains("team_id must not be empty"));
    assert!(server.finish().is_empty());
}

// ----- secrets -----

#[test]
fn no_error_or_debug_output_contains_a_credential() {
    const PASSWORD: &str = "hunter2-Secret!";
    let echo = format!(r#"{{"detail": "bad key {ACCESS_KEY}", "access_key": "{ACCESS_KEY}"}}"#);
    let echo_password =
        format!(r#"{{"password": ["{PASSWORD} is too common."], "non_field_errors": ["not {PASSWORD}"]}}"#);
    let server = Scripted::start(vec![
        http_response("401 Unauthorized", &[], echo.as_bytes()),
        http_response("200 OK", &[], format!(r#"{{"id": 5, "access_key": "{ACCESS_KEY}"}}"#).as_bytes()),
        http_response("302 Found", &[("Location", "http://elsewhere.example/")], b""),
        http_response("400 Bad Request", &[], echo_password.as_bytes()),
        http_response("200 OK", &[], format!(r#"{{"username": 1, "password": "{PASSWORD}"#).as_bytes()),
    ]);
    let client = builder(&server.url).retry_policy(RetryPolicy::none()).build().unwrap();
    let mut outputs = vec![
        format!("{client:?}"),
        format!("{:?}", builder(&server.url)),
        format!("{:?}", Credentials::new(USERNAME, ACCESS_KEY)),
    ];
    let unauthorized = client.teams().get("t").send().unwrap_err();
    assert!(unauthorized.to_string().contains("check SAUCE_USERNAME and SAUCE_ACCESS_KEY"), "{unauthorized}");
    let undecodable = client.users().get_access_key("u").send().unwrap_err();
    let redirected = client.teams().get("t").send().unwrap_err();
    let body = sauce_accounts::types::UpdateUserRequest::new().with_password(PASSWORD).with_verify_password(PASSWORD);
    outputs.push(format!("{body:?}"));
    let rejected = client.users().update("u", &body).send().unwrap_err();
    match &rejected {
        Error::Api(error) => assert_eq!(error.field_errors["password"], vec!["*** is too common.".to_string()]),
        other => panic!("{other:?}"),
    }
    let truncated = client.users().update("u", &body).send().unwrap_err();
    let refused = refused_get();
    for error in [&unauthorized, &undecodable, &redirected, &rejected, &truncated, &refused] {
        outputs.push(error.to_string());
        outputs.push(format!("{error:?}"));
    }
    let header = authorization();
    let encoded = header.trim_start_matches("Basic ");
    for output in &outputs {
        assert!(!output.contains(ACCESS_KEY), "the access key leaked: {output}");
        assert!(!output.contains(encoded), "the encoded credentials leaked: {output}");
        assert!(!output.contains("hunter2"), "a password leaked: {output}");
    }
    server.finish();
}

// ----- concurrency -----

#[test]
fn eight_threads_share_one_client() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", mockito::Matcher::Regex(r"^/team-management/v1/teams/t\d+/$".into()))
        .match_header("authorization", authorization().as_str())
        .with_body(TEAM_JSON)
        .expect(1600)
        .create();
    let client = builder(&server.url()).build().unwrap();
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let client = client.clone();
            scope.spawn(move || {
                for call in 0..200 {
                    let team = client.teams().get(format!("t{}", thread * 1000 + call)).send().unwrap();
                    assert_eq!(team.name, "Team One");
                }
            });
        }
    });
    mock.assert();
}

fn _client_is_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Client>();
}

/// `Client::from_env` reads all three variables. Environment changes are not safe inside a
/// multi-threaded test process, so the check runs in a child process of this test binary.
#[test]
fn client_from_env_reads_username_key_and_region() {
    if std::env::var_os("SAUCE_ACCOUNTS_ENV_CHILD").is_some() {
        let client = Client::from_env().unwrap();
        assert_eq!(client.base_url(), std::env::var("SAUCE_ACCOUNTS_EXPECTED_URL").unwrap());
        assert_eq!(client.username(), "env-admin");
        return;
    }
    let run_expecting = |region: &str, expected: &str| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "client_from_env_reads_username_key_and_region", "--nocapture"])
            .env("SAUCE_ACCOUNTS_ENV_CHILD", "1")
            .env("SAUCE_ACCOUNTS_EXPECTED_URL", expected)
            .env("SAUCE_USERNAME", "env-admin")
            .env("SAUCE_ACCESS_KEY", "env-key")
            .env("SAUCE_REGION", region)
            // Blank, as CI systems export an unconfigured variable: it counts as unset.
            .env("SAUCE_BASE_URL", " ")
            .output()
            .unwrap()
    };
    let run = |region: &str| run_expecting(region, "https://api.eu-central-1.saucelabs.com");
    let ok = run("EU");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let blank = run_expecting("", "https://api.us-west-1.saucelabs.com");
    assert!(blank.status.success(), "{}", String::from_utf8_lossy(&blank.stdout));
    let bad = run("mars");
    assert!(!bad.status.success());
    let output = format!("{}{}", String::from_utf8_lossy(&bad.stdout), String::from_utf8_lossy(&bad.stderr));
    assert!(output.contains("SAUCE_REGION: unknown region") && output.contains("mars"), "{output}");
}
