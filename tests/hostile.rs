//! The transport's promises under hostile servers: one regression test for each way a server
//! (or a configuration) was seen to break them, driven through the public API on loopback.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::{
    ACCESS_KEY, Reply, Scripted, TEAM, USERNAME, authorization, builder, http_bytes, http_response, limited,
    recording_policy,
};
use sauce_accounts::operations::{ParameterKind, ParameterLocation};
use sauce_accounts::{
    Client, Credentials, Error, RateLimit, RateLimitReason, RateLimitedError, RawRequest, RetryPolicy,
    TransportErrorKind,
};

/// Everything a user could print of an error.
fn printed(error: &Error) -> String {
    let mut text = format!("{error}\n{error:?}\n{error:#?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!("\n{cause}"));
        source = cause.source();
    }
    text
}

fn assert_no_credentials(text: &str, extra: &[&str]) {
    let header = authorization();
    let encoded = header.trim_start_matches("Basic ");
    assert!(!text.contains(ACCESS_KEY), "the access key leaked: {text}");
    assert!(!text.contains(encoded), "the encoded Authorization value leaked: {text}");
    for secret in extra {
        assert!(!text.contains(secret), "{secret:?} leaked: {text}");
    }
}

fn transport(error: &Error) -> &sauce_accounts::TransportError {
    match error {
        Error::Transport(error) => error,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

// ----- 1. secrets in errors -----

#[test]
fn a_server_echoing_the_request_headers_does_not_leak_the_authorization() {
    let server = Scripted::start(vec![Reply::Echo("400 Bad Request"), Reply::Echo("401 Unauthorized")]);
    let client = builder(&server.url).retry_policy(RetryPolicy::none()).build().unwrap();
    for _ in 0..2 {
        let error = client.teams().get("t1").send().unwrap_err();
        let text = printed(&error);
        assert!(text.contains("you sent: GET /team-management/v1/teams/t1/"), "the echo is kept: {text}");
        assert_no_credentials(&text, &[]);
    }
}

#[test]
fn a_decode_error_never_quotes_a_credential() {
    let other_key = "someone-elses-key-7f3a";
    let server = Scripted::start(vec![
        // This call's own key where a number belongs: serde quotes it.
        http_response("200 OK", &[], format!(r#"{{"count": "{ACCESS_KEY}", "results": []}}"#).as_bytes()),
        // Another account's key, quoted by serde because it sits where a number belongs.
        http_response(
            "200 OK",
            &[],
            format!(r#"{{"count": "{other_key}", "results": [{{"id": "u", "access_key": "{other_key}"}}]}}"#)
                .as_bytes(),
        ),
    ]);
    let client = builder(&server.url).build().unwrap();
    for _ in 0..2 {
        let error = client.teams().lookup().send().unwrap_err();
        assert!(matches!(error, Error::Decode(_)), "{error:?}");
        let text = printed(&error);
        assert!(text.contains("invalid type: string \"***\""), "serde's message is kept, redacted: {text}");
        assert_no_credentials(&text, &[other_key]);
    }
}

#[test]
fn another_accounts_credentials_in_an_error_body_are_redacted() {
    let body = r#"{"detail": "conflict with other-key-9a9a", "access_key": "other-key-9a9a",
                   "user": {"username": "x", "password": "OtherPass1!"}, "accessKey": "camel-key-11"}"#;
    let server = Scripted::start(vec![
        http_response("400 Bad Request", &[], body.as_bytes()),
        // The same, cut off so that it is not JSON.
        http_response("400 Bad Request", &[], &body.as_bytes()[..body.len() - 30]),
    ]);
    let client = builder(&server.url).build().unwrap();
    for _ in 0..2 {
        let error = client.teams().get("t1").send().unwrap_err();
        assert_no_credentials(&printed(&error), &["other-key-9a9a", "OtherPass1!", "camel-key-11"]);
    }
}

#[test]
fn a_password_with_json_escaped_characters_is_redacted() {
    const PASSWORD: &str = r#"Pa"ss\w0rd!"#;
    let echoed_in_json = serde_json::json!({ "password": [format!("{PASSWORD} is too common.")] }).to_string();
    let echoed_as_text = format!("<html>rejected {PASSWORD}</html>");
    let server = Scripted::start(vec![
        http_response("400 Bad Request", &[], echoed_in_json.as_bytes()),
        http_response("400 Bad Request", &[("Content-Type", "text/html")], echoed_as_text.as_bytes()),
        http_response("200 OK", &[], format!(r#"{{"id": 1, "x": {echoed_in_json}}}"#).as_bytes()),
    ]);
    let client = builder(&server.url).build().unwrap();
    let body = sauce_accounts::types::UpdateUserRequest::new().with_password(PASSWORD).with_verify_password(PASSWORD);
    let escaped = serde_json::to_string(PASSWORD).unwrap();
    for _ in 0..3 {
        let error = client.users().update("u1", &body).send().unwrap_err();
        assert_no_credentials(&printed(&error), &[PASSWORD, escaped.trim_matches('"'), "ss\\w0rd"]);
    }
}

#[test]
fn invalid_proxy_and_base_urls_never_print_their_password() {
    for proxy in ["http://user:pr0xy-pass@exa mple:8080", "http://user:pr0xy-pass@[::1"] {
        let error = builder("https://api.example.com").proxy(proxy).build().unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        let text = printed(&error);
        assert!(text.contains("invalid proxy") && !text.contains("pr0xy-pass"), "{text}");
    }
    // Nor does a base URL with credentials in it.
    let error = builder("https://admin:b4se-pass@api.example.com").build().unwrap_err();
    let text = printed(&error);
    assert!(text.contains("credentials do not belong in the URL") && !text.contains("b4se-pass"), "{text}");
}

// ----- 2. one timeout per attempt, redirects included -----

#[test]
fn the_timeout_covers_all_redirects_of_an_attempt() {
    // Five slow same-origin redirects, 600 ms each: the 1 s timeout ends the attempt during
    // the second, instead of granting each hop its own second.
    let hop = |index: usize| {
        Reply::Delayed(
            Duration::from_millis(600),
            http_bytes("307 Temporary Redirect", &[("Location", &format!("/hop/{index}/"))], b""),
        )
    };
    let server = Scripted::start((0..5).map(hop).collect());
    let client =
        builder(&server.url).timeout(Duration::from_secs(1)).retry_policy(RetryPolicy::none()).build().unwrap();
    let error = client.teams().get("t1").send().unwrap_err();
    assert_eq!(transport(&error).kind, TransportErrorKind::Timeout, "{error}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.requests().len() <= 2, "hops after the timeout were sent: {}", server.requests().len());
}

#[test]
fn the_total_deadline_shortens_the_last_attempt() {
    let server = Scripted::start(vec![Reply::Silence(Duration::from_secs(20))]);
    let policy = RetryPolicy::default().deadline(Duration::from_millis(500));
    let client = builder(&server.url).timeout(Duration::from_secs(15)).retry_policy(policy).build().unwrap();
    let started = Instant::now();
    let error = client.teams().get("t1").send().unwrap_err();
    assert_eq!(transport(&error).kind, TransportErrorKind::Timeout);
    // Generous: the point is that the 15 s attempt timeout did not apply.
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

// ----- 3. configurations that used to panic -----

#[test]
fn a_user_agent_suffix_with_a_line_break_is_refused_at_build() {
    for suffix in ["bot/1\r\nX-Injected: 1", "bot\n2", "tab\there"] {
        let error = builder("http://127.0.0.1:9").user_agent_suffix(suffix).build().unwrap_err();
        assert!(matches!(&error, Error::Config(message) if message.contains("control characters")), "{error:?}");
    }
}

#[test]
fn a_socks_proxy_is_refused_at_build_not_bypassed() {
    for proxy in ["socks5://127.0.0.1:1080", "socks4://127.0.0.1:1080", "socks5h://user:pw@proxy.example"] {
        let error = builder("https://api.example.com").proxy(proxy).build().unwrap_err();
        assert!(matches!(&error, Error::Config(message) if message.contains("SOCKS")), "{proxy}: {error:?}");
        assert!(!error.to_string().contains(":pw@"), "{error}");
    }
}

/// A SOCKS proxy in `ALL_PROXY` must not be ignored silently. Environment changes are not
/// safe inside a multi-threaded test process, so the check runs in a child process.
#[test]
fn a_socks_proxy_from_all_proxy_is_refused_at_build() {
    if std::env::var_os("SAUCE_ACCOUNTS_SOCKS_CHILD").is_some() {
        let error = Client::builder().credentials(Credentials::new("u", "key-1")).build().unwrap_err();
        assert!(error.to_string().contains("ALL_PROXY"), "{error}");
        assert!(error.to_string().contains("SOCKS"), "{error}");
        // A loopback base URL never uses a proxy, so the sandbox still works.
        assert!(builder("http://127.0.0.1:9").proxy("http://127.0.0.1:1").build().is_ok());
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_socks_proxy_from_all_proxy_is_refused_at_build", "--nocapture"])
        .env("SAUCE_ACCOUNTS_SOCKS_CHILD", "1")
        .env("ALL_PROXY", "socks5://127.0.0.1:1080")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

// ----- 4. a write is never replayed once it may have been sent -----

#[test]
fn a_post_redirected_to_an_unusable_location_is_sent_once() {
    let server = Scripted::start(vec![
        http_response("307 Temporary Redirect", &[("Location", "/team-management/v1/users/u 1/activate/")], b""),
        http_response("200 OK", &[], br#"{"id": "u1", "username": "x"}"#),
        http_response("200 OK", &[], br#"{"id": "u1", "username": "x"}"#),
    ]);
    let (policy, waits) = recording_policy();
    let error = builder(&server.url).retry_policy(policy).build().unwrap().users().activate("u1").send().unwrap_err();
    assert!(waits.lock().unwrap().is_empty(), "an unusable URL cannot get better: no retry");
    assert_eq!(server.requests().len(), 1, "the POST must be sent once");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(error.may_have_succeeded(), "the server saw the POST: {error:?}");
}

#[test]
fn a_write_that_may_have_been_sent_is_not_retryable() {
    let server =
        Scripted::start(vec![Reply::Silence(Duration::from_millis(900)), Reply::Silence(Duration::from_millis(900))]);
    let client =
        builder(&server.url).timeout(Duration::from_millis(300)).retry_policy(RetryPolicy::none()).build().unwrap();
    let post = client.users().activate("u1").send().unwrap_err();
    assert_eq!(transport(&post).kind, TransportErrorKind::Timeout);
    assert!(transport(&post).request_may_have_been_sent && post.may_have_succeeded());
    assert!(!post.is_retryable(), "sending the POST again could activate twice");
    assert!(post.to_string().contains("check before sending it again"), "{post}");
    let get = client.teams().get("t1").send().unwrap_err();
    assert!(get.is_retryable(), "a GET is safe to send again");
}

#[test]
fn a_post_that_never_connected_is_retryable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = builder(&format!("http://127.0.0.1:{port}")).retry_policy(RetryPolicy::none()).build().unwrap();
    let error = client.users().activate("u1").send().unwrap_err();
    assert_eq!(transport(&error).kind, TransportErrorKind::Connect);
    assert!(error.is_retryable() && !error.may_have_succeeded(), "{error:?}");
}

// ----- 5. a retried DELETE whose first answer was lost -----

#[test]
fn a_retried_delete_answered_404_says_it_was_most_likely_done() {
    // The first DELETE times out after it was sent (its answer is lost); the retry finds the
    // team gone. The scripted server serves one connection at a time, so the retry waits for
    // real until the silence is over.
    let server = Scripted::start(vec![
        Reply::Silence(Duration::from_millis(400)),
        http_response("404 Not Found", &[], br#"{"detail": "Not found."}"#),
    ]);
    let policy =
        RetryPolicy::default().max_attempts(4).base_delay(Duration::from_secs(1)).max_delay(Duration::from_secs(1));
    let client = builder(&server.url).timeout(Duration::from_millis(300)).retry_policy(policy).build().unwrap();
    let error = client.teams().delete("t1").send().unwrap_err();
    assert!(error.is_not_found() && error.may_have_succeeded(), "{error:?}");
    match &error {
        Error::Api(api) => assert!(api.earlier_attempt_may_have_succeeded && api.attempts == 2),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("most likely deleted it already"), "{error}");
    // A DELETE answered 404 at the first try says nothing of the kind.
    let plain = Scripted::start(vec![http_response("404 Not Found", &[], br#"{"detail": "Not found."}"#)]);
    let error = builder(&plain.url).build().unwrap().teams().delete("t1").send().unwrap_err();
    assert!(!error.may_have_succeeded() && !error.to_string().contains("deleted it already"), "{error}");
}

// ----- 6. smaller -----

#[test]
fn a_redirect_loop_names_the_last_location() {
    let replies =
        (0..6).map(|index| http_response("302 Found", &[("Location", &format!("/loop/{index}/"))], b"")).collect();
    let server = Scripted::start(replies);
    let error =
        builder(&server.url).retry_policy(RetryPolicy::none()).build().unwrap().teams().get("t").send().unwrap_err();
    assert_eq!(transport(&error).kind, TransportErrorKind::Redirect { location: "/loop/5/".into() });
    assert!(error.to_string().contains("/loop/5/"), "{error}");
    assert!(!error.is_retryable());
}

// ----- 7. the paginator does not trust the server -----

fn users(from: usize, count: usize) -> Vec<serde_json::Value> {
    (from..from + count)
        .map(|index| serde_json::json!({"id": format!("u{index}"), "username": format!("user{index}")}))
        .collect()
}

fn page(count: usize, results: Vec<serde_json::Value>) -> String {
    serde_json::json!({"count": count, "links": {"next": null, "previous": null, "first": null, "last": null}, "results": results})
        .to_string()
}

#[test]
fn a_server_that_caps_its_pages_loses_no_item() {
    let mut server = mockito::Server::new();
    let mocks: Vec<_> = (0..3)
        .map(|index| {
            server
                .mock("GET", format!("/team-management/v1/users/?limit=100&offset={}", index * 50).as_str())
                .with_body(page(120, users(index * 50, if index == 2 { 20 } else { 50 })))
                .expect(1)
                .create()
        })
        .collect();
    let client = common::client(&server.url());
    let names: Vec<String> = client.users().lookup().iter().map(|user| user.unwrap().username).collect();
    assert_eq!(names.len(), 120);
    assert_eq!(names[119], "user119");
    mocks.iter().for_each(|mock| mock.assert());
}

#[test]
fn a_server_that_ignores_the_cursor_ends_the_listing_with_an_error() {
    let mut server = mockito::Server::new();
    let mock = server
        .mock("GET", mockito::Matcher::Regex("^/team-management/v1/users/".into()))
        .with_body(page(20_000, users(0, 100)))
        .expect(2)
        .create();
    let client = common::client(&server.url());
    let items: Vec<_> = client.users().lookup().iter().collect();
    assert_eq!(items.len(), 101, "100 real users, then one error");
    match items.last() {
        Some(Err(Error::Pagination(error))) => {
            assert_eq!((error.operation_id, error.pages_fetched, error.items_yielded), ("lookup_users", 2, 100));
            assert!(error.message.contains("ignores the cursor"), "{}", error.message);
        }
        other => panic!("{other:?}"),
    }
    mock.assert();
}

#[test]
fn an_empty_page_before_the_count_ends_the_listing_with_an_error() {
    let mut server = mockito::Server::new();
    server
        .mock("GET", "/team-management/v1/teams/?limit=100&offset=0")
        .with_body(r#"{"count": 5, "results": [{"id": "a", "name": "A"}]}"#)
        .create();
    server
        .mock("GET", "/team-management/v1/teams/?limit=100&offset=1")
        .with_body(r#"{"count": 5, "results": []}"#)
        .create();
    let client = common::client(&server.url());
    let items: Vec<_> = client.teams().lookup().iter().collect();
    assert!(items[0].is_ok());
    let error = items[1].as_ref().unwrap_err();
    assert!(error.to_string().contains("empty") && error.to_string().contains("incomplete"), "{error}");
    assert_eq!(items.len(), 2);
}

// ----- 8. errors printed by `main` -----

#[test]
fn debug_output_carries_the_message_and_the_hint() {
    let server =
        Scripted::start(vec![http_response("401 Unauthorized", &[], br#"{"detail": "Invalid username/password."}"#)]);
    let error = builder(&server.url).build().unwrap().teams().get("t1").send().unwrap_err();
    let debug = format!("{error:?}");
    assert!(debug.starts_with(&error.to_string()), "{debug}");
    assert!(debug.contains("check SAUCE_USERNAME and SAUCE_ACCESS_KEY"), "{debug}");
    assert!(debug.contains("Details: Api("), "{debug}");
}

#[test]
fn transport_errors_have_a_source_chain() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let error = builder(&format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
        .teams()
        .get("t")
        .send()
        .unwrap_err();
    let source = std::error::Error::source(&error).expect("a transport error has a cause");
    assert!(!source.to_string().is_empty());
    assert!(error.to_string().contains(&source.to_string()), "the cause is part of the message");
}

#[test]
fn an_unknown_host_is_named_and_not_retried() {
    let (policy, waits) = recording_policy();
    let error = Client::builder()
        .base_url("https://no-such-host.invalid")
        .credentials(Credentials::new(USERNAME, ACCESS_KEY))
        .no_proxy()
        .retry_policy(policy)
        .build()
        .unwrap()
        .teams()
        .get("t1")
        .send()
        .unwrap_err();
    assert_eq!(transport(&error).kind, TransportErrorKind::HostNotFound { host: "no-such-host.invalid".into() });
    let text = error.to_string();
    assert!(text.contains("no-such-host.invalid") && !text.contains("retry"), "{text}");
    assert!(!error.is_retryable() && waits.lock().unwrap().is_empty(), "{error:?}");
}

// ----- input rules from the spec, checked before sending -----

#[test]
fn a_weak_password_or_a_blank_team_name_never_leaves_the_client() {
    let server = Scripted::start(vec![]);
    let client = builder(&server.url).build().unwrap();
    let weak =
        sauce_accounts::types::UpdateUserRequest::new().with_password("password1").with_verify_password("password1");
    let error = client.users().update("u1", &weak).send().unwrap_err();
    match &error {
        Error::InvalidArgument { operation_id, message } => {
            assert_eq!(*operation_id, "update_user");
            assert!(message.contains("needs an uppercase letter, a special character"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!printed(&error).contains("password1"), "the password is never shown");
    let blank = sauce_accounts::types::CreateTeamRequest::new("   ", sauce_accounts::types::TeamSettings::new());
    let error = client.teams().create(&blank).send().unwrap_err();
    assert!(error.to_string().contains("name must not be empty or blank"), "{error}");
    let subaccount =
        sauce_accounts::types::CreateSubaccountRequest::new("sub@acme.example", "Sub-Account", "Has Space1!", "sub");
    let error = client.classic().create_subaccount("parent", &subaccount).send().unwrap_err();
    assert!(error.to_string().contains("needs no spaces"), "{error}");
    assert!(server.finish().is_empty(), "nothing was sent");
}

// ----- round 3: no header can panic or freeze the client (issue #22) -----

fn rate_limited(error: &Error) -> &RateLimitedError {
    match error {
        Error::RateLimited(error) => error,
        other => panic!("expected a rate-limit error, got {other:?}"),
    }
}

/// Seconds from now until `time` (negative when past).
fn seconds_until(time: SystemTime) -> f64 {
    match time.duration_since(SystemTime::now()) {
        Ok(ahead) => ahead.as_secs_f64(),
        Err(behind) => -behind.duration().as_secs_f64(),
    }
}

#[test]
fn a_reset_or_retry_after_of_u64_max_never_panics() {
    let huge = "18446744073709551615";
    let spent = [("X-Ratelimit-Limit", huge), ("X-Ratelimit-Remaining", "0"), ("X-Ratelimit-Reset", huge)];
    // Without a limiter (loopback default) and with one: the status is read, capped.
    for client_limited in [false, true] {
        let server = Scripted::start(vec![
            http_response("200 OK", &spent, TEAM),
            http_response("429 Too Many Requests", &[("Retry-After", huge)], b"{}"),
        ]);
        let client = if client_limited {
            limited(&server.url, RetryPolicy::default())
        } else {
            builder(&server.url).retry_policy(RetryPolicy::default()).build().unwrap()
        };
        client.teams().get("t1").send().expect("the answer is a team");
        let status = client.rate_limit_status().expect("headers were sent");
        let resets_in = seconds_until(status.resets_at.expect("a reset time"));
        assert!(resets_in > 50.0 * 365.0 * 86_400.0, "saturated far ahead, not wrapped: {resets_in}");
        if client_limited {
            // The budget is spent for a century: the next call is refused at once, not sent.
            let error = client.teams().get("t1").send().unwrap_err();
            assert_eq!(rate_limited(&error).reason, RateLimitReason::BudgetSpent, "{error}");
            assert_eq!(server.requests().len(), 1);
        } else {
            let error = client.teams().get("t1").send().unwrap_err();
            assert_eq!(error.status(), Some(429), "a Retry-After past the ceiling ends the call: {error}");
            assert_eq!(server.finish().len(), 2);
        }
    }
}

#[test]
fn a_long_retry_after_fails_later_calls_at_once_saying_until_when() {
    let server = Scripted::start(vec![http_response(
        "429 Too Many Requests",
        &[("Retry-After", "3600")],
        br#"{"detail": "Request was throttled."}"#,
    )]);
    let client = limited(&server.url, RetryPolicy::default());
    let started = Instant::now();
    assert_eq!(client.teams().get("t1").send().unwrap_err().status(), Some(429));
    let error = client.clone().teams().get("t1").send().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "no call waited: {:?}", started.elapsed());
    let refused = rate_limited(&error);
    assert_eq!(refused.reason, RateLimitReason::RetryAfter);
    assert_eq!(refused.allowed, Duration::from_secs(60), "the ceiling is max_retry_after");
    let until = seconds_until(refused.until);
    assert!((3_500.0..=3_601.0).contains(&until), "until about an hour from now: {until}");
    let message = error.to_string();
    assert!(message.contains("not sent") && message.contains(&httpdate::fmt_http_date(refused.until)), "{message}");
    assert!(error.is_retryable() && !error.may_have_succeeded());
    let held = client.rate_limit_status().and_then(|status| status.held_until).expect("the hold is shown");
    assert_eq!(held, refused.until);
    assert_eq!(server.finish().len(), 1, "the refused call was not sent");
}

#[test]
fn a_spent_budget_with_a_far_reset_fails_at_once() {
    let spent = [("X-Ratelimit-Limit", "3500"), ("X-Ratelimit-Remaining", "0"), ("X-Ratelimit-Reset", "7200")];
    let server = Scripted::start(vec![http_response("200 OK", &spent, TEAM)]);
    // The ceiling (three hours) would allow the wait; the deadline (2 s) does not.
    let patient =
        RetryPolicy::default().max_retry_after(Duration::from_secs(3 * 3600)).deadline(Duration::from_secs(2));
    let client = limited(&server.url, patient);
    client.teams().get("t1").send().unwrap();
    let started = Instant::now();
    let error = client.clone().teams().get("t1").send().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let refused = rate_limited(&error);
    assert_eq!(refused.reason, RateLimitReason::BudgetSpent);
    assert!(refused.allowed <= Duration::from_secs(2), "bounded by the deadline: {refused:?}");
    assert!((7_100.0..=7_201.0).contains(&seconds_until(refused.until)), "{refused:?}");
    assert_eq!(client.rate_limit_status().unwrap().held_until, Some(refused.until));
    assert_eq!(server.finish().len(), 1);
}

#[test]
fn an_error_body_with_40000_credential_fields_is_redacted_quickly_and_capped() {
    let mut fields = serde_json::Map::new();
    fields.insert("detail".into(), serde_json::Value::String("d".repeat(100_000)));
    for index in 0..40_000 {
        fields.insert(format!("access_key_{index}"), format!("leaked-secret-{index:05}").into());
    }
    let body = serde_json::Value::Object(fields).to_string();
    let server = Scripted::start(vec![http_response("400 Bad Request", &[], body.as_bytes())]);
    let client = builder(&server.url).timeout(Duration::from_secs(3)).build().unwrap();
    let started = Instant::now();
    let error = client.teams().get("t1").send().unwrap_err();
    // Quadratic redaction took over 12 s for half as many fields; linear takes milliseconds.
    assert!(started.elapsed() < Duration::from_secs(10), "redaction took {:?}", started.elapsed());
    let text = printed(&error);
    assert!(text.len() < 64 * 1024, "the shown text is capped: {} bytes", text.len());
    assert!(!text.contains("leaked-secret-"), "a credential leaked: {}", &text[..2000.min(text.len())]);
    match &error {
        Error::Api(api) => {
            let detail = api.detail.as_deref().unwrap();
            assert!(detail.len() <= 1024 + '…'.len_utf8() && detail.ends_with('…'), "{}", detail.len());
            assert!(api.field_errors.len() <= 32, "{}", api.field_errors.len());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn huge_timeouts_rates_and_offsets_saturate_instead_of_panicking() {
    let page = br#"{"count": 3, "results": [{"id": "t1", "name": "One"}]}"#;
    let server = Scripted::start(vec![
        http_response("200 OK", &[], TEAM),
        http_response("200 OK", &[], TEAM),
        http_response("200 OK", &[], TEAM),
        http_response("200 OK", &[], page),
    ]);
    let forever = builder(&server.url)
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .retry_policy(RetryPolicy::default().deadline(Duration::MAX).max_retry_after(Duration::MAX))
        .build()
        .expect("Duration::MAX saturates");
    forever.teams().get("t1").send().unwrap();
    // A rate too small to express: one call, then the next turn is a century away.
    let glacial = builder(&server.url).rate_limit(RateLimit::new(1e-300, 1)).build().unwrap();
    glacial.teams().get("t1").send().unwrap();
    let refused = glacial.teams().get("t1").send().unwrap_err();
    assert_eq!(rate_limited(&refused).reason, RateLimitReason::ClientBudget);
    // A burst of u32::MAX is as large as the hour's budget allows.
    let bursty = builder(&server.url).rate_limit(RateLimit::new(10.0, 3_500).burst(u32::MAX)).build().unwrap();
    bursty.teams().get("t1").send().unwrap();
    let listed: Vec<_> = bursty.teams().lookup().offset(u64::MAX).iter().collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].is_ok(), "{listed:?}");
    assert_eq!(server.finish().len(), 4);
}

// ----- round 3: the raw entry point keeps the typed rules (issue #22) -----

fn invalid_argument(error: &Error) -> &str {
    match error {
        Error::InvalidArgument { message, .. } => message,
        other => panic!("expected an invalid argument, got {other:?}"),
    }
}

#[test]
fn call_refuses_what_the_typed_methods_refuse() {
    let server = Scripted::start(vec![]);
    let client = builder(&server.url).build().unwrap();
    let lookup = common::operation_info("lookup_teams");
    // The same refusal, word for word, as the typed builder's.
    let typed = client.teams().lookup().limit(1000).send().unwrap_err();
    let raw = client.call(lookup, RawRequest::new().query("limit", "1000")).unwrap_err();
    assert_eq!(invalid_argument(&raw), invalid_argument(&typed));
    for (name, value, expected) in [
        ("limit", "abc", "must be an integer"),
        ("limit", "0", "must be from 1 to 100"),
        ("offset", "-1", "must be an integer"),
        ("offset", "18446744073709551616", "must be an integer"),
    ] {
        let error = client.call(lookup, RawRequest::new().query(name, value)).unwrap_err();
        assert!(invalid_argument(&error).contains(expected), "{name}={value}: {error}");
    }
    let twice = client.call(lookup, RawRequest::new().query("limit", "5").query("limit", "6")).unwrap_err();
    assert!(invalid_argument(&twice).contains("more than once"), "{twice}");
    // Body rules: a blank team name, a weak password (never shown).
    let mut team = common::request_example("create_team");
    team["name"] = "   ".into();
    let error = client.call(common::operation_info("create_team"), RawRequest::new().body(team)).unwrap_err();
    assert!(invalid_argument(&error).contains("name must not be empty or blank"), "{error}");
    let weak = serde_json::json!({"password": "password1", "verify_password": "password1"});
    let update_user = common::operation_info("update_user");
    let error = client.call(update_user, RawRequest::new().path("user_id", "u1").body(weak)).unwrap_err();
    assert!(invalid_argument(&error).contains("password rules"), "{error}");
    assert!(!printed(&error).contains("password1"));
    assert!(server.finish().is_empty(), "nothing was sent");
}

#[test]
fn call_checks_enum_boolean_and_list_parameters_by_the_spec() {
    let server = Scripted::start(vec![]);
    let client = builder(&server.url).build().unwrap();
    let mut checked = 0;
    for operation in sauce_accounts::operations::ALL {
        for parameter in operation.parameters.iter().filter(|parameter| parameter.location == ParameterLocation::Query)
        {
            let refused = match parameter.kind {
                ParameterKind::Boolean => "yes",
                ParameterKind::Integer { .. } => "1.5",
                ParameterKind::List(_) | ParameterKind::Repeated(_) => "",
                _ => continue,
            };
            let mut request = RawRequest::new().query(parameter.name, refused);
            for name in operation.path_parameters {
                request = request.path(*name, "x1");
            }
            let error = client.call(operation, request).unwrap_err();
            assert!(
                matches!(error, Error::InvalidArgument { .. }),
                "{} {}={refused:?}: {error:?}",
                operation.id,
                parameter.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "the table lists the parameters' kinds: {checked}");
    assert!(server.finish().is_empty(), "nothing was sent");
}

#[test]
fn a_repeated_or_huge_path_parameter_is_refused_with_a_short_clear_message() {
    let server = Scripted::start(vec![]);
    let client = builder(&server.url).build().unwrap();
    let get_team = common::operation_info("get_team");
    let twice = client.call(get_team, RawRequest::new().path("team_id", "first").path("team_id", "second"));
    assert!(invalid_argument(&twice.unwrap_err()).contains("given more than once"));
    let huge = "i".repeat(100_000);
    let raw = client.call(get_team, RawRequest::new().path("team_id", huge.as_str())).unwrap_err();
    let typed = client.teams().get(huge.as_str()).send().unwrap_err();
    for error in [raw, typed] {
        let message = invalid_argument(&error);
        assert!(message.contains("too long") && message.contains("8192"), "{message}");
        assert!(printed(&error).len() < 4096, "{} bytes", printed(&error).len());
    }
    assert!(server.finish().is_empty(), "nothing was sent");
}

#[test]
fn a_path_template_naming_another_host_never_leaves_the_origin() {
    let origin = Scripted::start(vec![]);
    let elsewhere = Scripted::start(vec![http_response("200 OK", &[], TEAM)]);
    let other_authority = elsewhere.url.trim_start_matches("http://").to_string();
    let client = builder(&origin.url).build().unwrap();
    let templates = [
        format!("@{other_authority}/team-management/v1/teams/{{team_id}}/"),
        format!("//{other_authority}/team-management/v1/teams/{{team_id}}/"),
        format!(".{other_authority}/{{team_id}}/"),
        "/teams/{team_id}/?next=1".to_string(),
        "/teams/{team_id}/{other}/".to_string(),
    ];
    for template in templates {
        let mut operation = *common::operation_info("get_team");
        operation.path_template = Box::leak(template.clone().into_boxed_str());
        let error = client.call(&operation, RawRequest::new().path("team_id", "t1")).unwrap_err();
        assert!(invalid_argument(&error).contains("path template"), "{template}: {error}");
    }
    assert!(origin.finish().is_empty());
    assert!(elsewhere.requests().is_empty(), "another host never saw a request");
}

// ----- round 3: a server cycling between pages (issue #22) -----

#[test]
fn a_server_alternating_between_two_pages_ends_the_listing_with_an_error() {
    let mut server = mockito::Server::new();
    let first = page(20_000, users(0, 100));
    let second = page(20_000, users(100, 100));
    let mock = server
        .mock("GET", mockito::Matcher::Regex("^/team-management/v1/users/".into()))
        .with_body_from_request(move |request| {
            let offset: u64 = request
                .path_and_query()
                .split("offset=")
                .nth(1)
                .and_then(|rest| rest.split('&').next())
                .and_then(|value| value.parse().ok())
                .unwrap_or(0);
            if (offset / 100).is_multiple_of(2) { first.clone().into_bytes() } else { second.clone().into_bytes() }
        })
        .expect(3)
        .create();
    let client = common::client(&server.url());
    let items: Vec<_> = client.users().lookup().iter().collect();
    assert_eq!(items.len(), 201, "two real pages, no duplicate, then one error");
    let names: std::collections::HashSet<_> =
        items.iter().filter_map(|item| item.as_ref().ok()).map(|user| user.username.clone()).collect();
    assert_eq!(names.len(), 200);
    match items.last() {
        Some(Err(Error::Pagination(error))) => {
            assert!(error.message.contains("repeats the page at offset 0"), "{}", error.message)
        }
        other => panic!("{other:?}"),
    }
    mock.assert();
}

// ----- round 3: arbitrary headers and raw requests (issue #22, proof) -----

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use sauce_accounts::operations::ALL;
    use serde_json::Value;

    fn runner(cases: u32) -> TestRunner {
        TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
    }

    /// What a hostile server may put in a `Retry-After` or `X-Ratelimit-*` header.
    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u64>().prop_map(|number| number.to_string()),
            Just(u64::MAX.to_string()),
            (0u64..100_000).prop_map(|number| number.to_string()),
            "[0-9]{15,40}",
            "-[0-9]{1,20}",
            "[0-9]{1,5}\\.[0-9]{1,5}",
            (0u64..253_000_000_000)
                .prop_map(|seconds| httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(seconds))),
            "[!-~][ -~]{0,38}[!-~]",
        ]
    }

    #[test]
    fn no_rate_limit_header_panics_or_freezes_the_client() {
        let headers = (
            prop::sample::select(vec!["200 OK", "429 Too Many Requests", "503 Service Unavailable"]),
            prop::option::of(header_value()),
            prop::option::of(header_value()),
            prop::option::of(header_value()),
            prop::option::of(header_value()),
            any::<bool>(),
        );
        runner(48)
            .run(&headers, |(status, retry_after, limit, remaining, reset, client_limited)| {
                let named = [
                    ("Retry-After", retry_after),
                    ("X-Ratelimit-Limit", limit),
                    ("X-Ratelimit-Remaining", remaining),
                    ("X-Ratelimit-Reset", reset),
                ];
                let headers: Vec<(&str, &str)> =
                    named.iter().filter_map(|(name, value)| Some((*name, value.as_deref()?))).collect();
                let server = common::Constant::start(http_bytes(status, &headers, TEAM));
                // Retries do not sleep; the limiter may hold a call for 100 ms at most.
                let policy =
                    RetryPolicy::default().max_attempts(3).max_retry_after(Duration::from_millis(100)).sleeper(|_| {});
                let mut client = builder(&server.url).retry_policy(policy).timeout(Duration::from_secs(5));
                if client_limited {
                    client = client.rate_limit(RateLimit::new(1_000.0, 1_000_000));
                }
                let client = client.build().unwrap();
                let started = Instant::now();
                for _ in 0..3 {
                    if let Err(error) = client.teams().get("t1").send() {
                        prop_assert!(printed(&error).len() < 64 * 1024);
                    }
                    let _ = client.rate_limit_status();
                }
                prop_assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
                prop_assert!(server.connections() >= 1);
                Ok(())
            })
            .unwrap();
    }

    fn names(location: ParameterLocation) -> Vec<&'static str> {
        ALL.iter()
            .flat_map(|operation| operation.parameters.iter())
            .filter(|parameter| parameter.location == location)
            .map(|parameter| parameter.name)
            .collect()
    }

    fn name(location: ParameterLocation) -> impl Strategy<Value = String> {
        prop_oneof![3 => prop::sample::select(names(location)).prop_map(str::to_string), 1 => "[a-z_-]{1,10}"]
    }

    fn value() -> impl Strategy<Value = String> {
        let samples =
            vec!["abc", "-1", "0", "1", "100", "101", "1000", "true", "no", "", "a,b", "1,4", "18446744073709551616"];
        prop_oneof![
            prop::sample::select(samples).prop_map(str::to_string),
            "\\PC{0,16}",
            "[./%?#@{}a-z0-9 ]{0,12}",
            (8_000usize..12_000).prop_map(|length| "i".repeat(length)),
        ]
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        let key = prop_oneof![
            prop::sample::select(vec!["name", "password", "verify_password", "email", "username", "settings"])
                .prop_map(str::to_string),
            "[a-z_]{1,8}",
        ];
        leaf.prop_recursive(2, 16, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..4)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn arbitrary_raw_requests_never_panic_hang_or_form_a_bad_request() {
        let sandbox = sauce_accounts::sandbox::Sandbox::start().unwrap();
        let client = Client::builder()
            .base_url(sandbox.url())
            .credentials(sandbox.admin_credentials())
            .retry_policy(RetryPolicy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let requests = (
            0..ALL.len(),
            prop::collection::vec((name(ParameterLocation::Path), value()), 0..3),
            prop::collection::vec((name(ParameterLocation::Query), value()), 0..4),
            prop::option::of(json()),
        );
        runner(160)
            .run(&requests, |(index, path, query, body)| {
                let operation = &ALL[index];
                let mut request = RawRequest::new();
                for (name, value) in path {
                    request = request.path(name, value);
                }
                for (name, value) in query {
                    request = request.query(name, value);
                }
                request.body = body;
                let started = Instant::now();
                let outcome = client.call(operation, request);
                prop_assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
                if let Err(error) = outcome {
                    prop_assert!(printed(&error).len() < 64 * 1024, "{} bytes", printed(&error).len());
                    let unformed = matches!(&error, Error::Transport(transport)
                        if transport.kind == TransportErrorKind::Protocol && !transport.request_may_have_been_sent);
                    prop_assert!(!unformed, "the client formed an invalid request: {error}");
                }
                Ok(())
            })
            .unwrap();
    }
}
