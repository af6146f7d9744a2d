//! OAuth 2.0 client credentials per product app (RFC 6749 section 4.4), as Microsoft Entra ID's
//! app gallery uses them: a client id and secret from the CLI, an access token from the app's
//! token endpoint, and SCIM on that token; the errors of section 5.2; expiry, revocation and
//! rotation; one app's client never serving another app.

use chrono::Duration;
use clap::Parser as _;
use reqwest::StatusCode;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::scim_client::{Scim, expect, patch_op};

/// A client made with `rosterd client create`.
struct Client {
    id: String,
    secret: String,
    token_endpoint: String,
    scim_base_url: String,
}

async fn create_client(app: &TestApp, tenant: &str, product: &str) -> Client {
    let made = app.cli_ok(&["client", "create", tenant, product]).await;
    Client {
        id: made["client_id"].as_str().unwrap().to_owned(),
        secret: made["client_secret"].as_str().unwrap().to_owned(),
        token_endpoint: made["token_endpoint"].as_str().unwrap().to_owned(),
        scim_base_url: made["scim_base_url"].as_str().unwrap().to_owned(),
    }
}

/// A token endpoint answer: status, headers, JSON body.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    async fn of(res: reqwest::Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.json().await.unwrap();
        Self {
            status,
            headers,
            body,
        }
    }

    /// An RFC 6749 section 5.2 error with this status and code, whose description says `says`.
    fn error(&self, status: u16, code: &str, says: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body["error"], code, "{}", self.body);
        let description = self.body["error_description"].as_str().unwrap();
        assert!(description.contains(says), "{description}");
        assert_eq!(self.headers["cache-control"], "no-store");
        if status == 401 {
            let challenge = self.headers["www-authenticate"].to_str().unwrap();
            assert!(challenge.starts_with("Basic "), "{challenge}");
        }
    }

    fn access_token(&self) -> String {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        self.body["access_token"].as_str().unwrap().to_owned()
    }
}

/// Asks `endpoint` for a token with the id and secret in the form, as Entra ID sends them.
async fn token_by_form(app: &TestApp, endpoint: &str, id: &str, secret: &str) -> Answer {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    Answer::of(app.http.post(endpoint).form(&form).send().await.unwrap()).await
}

/// Asks `endpoint` for a token with the id and secret in HTTP Basic.
async fn token_by_basic(app: &TestApp, endpoint: &str, id: &str, secret: &str) -> Answer {
    let res = app
        .http
        .post(endpoint)
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    Answer::of(res).await
}

async fn scim_status(app: &TestApp, base: &str, token: &str) -> (u16, Value) {
    let res = app.get(&format!("{base}/Users"), Some(token)).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn tenant(app: &TestApp, slug: &str) {
    app.cli_ok(&[
        "tenant",
        "create",
        slug,
        "--name",
        slug,
        "--seats",
        "learning=10",
        "--seats",
        "sales-navigator-core=10",
    ])
    .await;
}

#[tokio::test]
async fn an_entra_style_run_provisions_a_user_on_an_access_token() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    assert!(client.id.starts_with("rosterd_client_"), "{}", client.id);
    assert!(
        client.secret.starts_with("rosterd_cs_"),
        "{}",
        client.secret
    );
    assert_eq!(
        client.token_endpoint,
        format!("{}/scim/acme/learning/oauth/token", app.base_url)
    );
    assert_eq!(
        client.scim_base_url,
        format!("{}/scim/acme/learning/v2", app.base_url)
    );

    let answer = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret).await;
    let token = answer.access_token();
    assert!(token.starts_with("rosterd_oat_"), "{token}");
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 3600);
    assert_eq!(answer.headers["cache-control"], "no-store");
    assert_eq!(answer.headers["pragma"], "no-cache");
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );

    // Creating the client turned the app's SCIM on; the token is the SCIM bearer token.
    let scim = Scim {
        app: &app,
        base: client.scim_base_url.clone(),
        token,
    };
    let probe = scim
        .get("/Users?filter=userName%20eq%20%22nobody%40acme.example%22")
        .await;
    expect(&probe, 200);
    assert_eq!(probe.body["totalResults"], 0);
    let spc = scim.get("/ServiceProviderConfig").await;
    let schemes: Vec<&str> = spc.body["authenticationSchemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["type"].as_str().unwrap())
        .collect();
    assert_eq!(schemes, ["oauthbearertoken", "oauth2"]);
    let description = spc.body["authenticationSchemes"][1]["description"]
        .as_str()
        .unwrap();
    assert!(
        description.contains(&client.token_endpoint),
        "{description}"
    );

    let created = scim
        .post(
            "/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "dana@acme.example",
                "active": true,
                "name": {"givenName": "Dana", "familyName": "Ruiz"},
                "emails": [{"primary": true, "type": "work", "value": "dana@acme.example"}]
            }),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let fetched = scim.get(&format!("/Users/{id}")).await;
    expect(&fetched, 200);
    assert_eq!(fetched.body["userName"], "dana@acme.example");
    let patched = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "Replace", "path": "name.givenName", "value": "Dani"}])),
        )
        .await;
    expect(&patched, 200);
    assert_eq!(patched.body["name"]["givenName"], "Dani");
    let deleted = scim.delete(&format!("/Users/{id}")).await;
    expect(&deleted, 204);
    expect(&scim.get(&format!("/Users/{id}")).await, 404);

    // The ledger and the audit log name the client as the actor.
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let events = rosterd_audit::list(&app.db.conn, tenant.id, &rosterd_audit::Query::default())
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.actor.contains(&client.id)),
        "{events:?}"
    );

    // The same access token works at the shared base URL, where the token picks the app.
    let shared = Scim {
        app: &app,
        base: format!("{}/scim/v2", app.base_url),
        token: scim.token.clone(),
    };
    expect(&shared.get("/Users").await, 200);
}

#[tokio::test]
async fn http_basic_works_and_authenticating_twice_or_not_at_all_is_refused() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    let token = token_by_basic(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .access_token();
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &token).await.0,
        200
    );

    let both = app
        .http
        .post(&client.token_endpoint)
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
        ])
        .send()
        .await
        .unwrap();
    Answer::of(both)
        .await
        .error(400, "invalid_request", "authenticates twice");
    let none = app
        .http
        .post(&client.token_endpoint)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    Answer::of(none)
        .await
        .error(401, "invalid_client", "No client authentication");
    let no_secret = app
        .http
        .post(&client.token_endpoint)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
        ])
        .send()
        .await
        .unwrap();
    Answer::of(no_secret)
        .await
        .error(401, "invalid_client", "client_secret is missing");
    let bearer = app
        .http
        .post(&client.token_endpoint)
        .bearer_auth(&client.secret)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    Answer::of(bearer)
        .await
        .error(401, "invalid_client", "not HTTP Basic");
}

#[tokio::test]
async fn wrong_secrets_and_unknown_clients_are_invalid_client_alike() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    tenant(&app, "globex").await;
    let client = create_client(&app, "acme", "learning").await;
    let other = create_client(&app, "globex", "learning").await;
    let endpoint = &client.token_endpoint;
    let wrong_secret = format!("rosterd_cs_{}", "A".repeat(43));
    let unknown_client = format!("rosterd_client_{}", "a".repeat(20));
    let cases = [
        (client.id.as_str(), wrong_secret.as_str(), "wrong secret"),
        (
            unknown_client.as_str(),
            client.secret.as_str(),
            "unknown client",
        ),
        ("not-a-client", "not-a-secret", "not our shapes"),
        // Another tenant's client and secret, at this tenant's endpoint.
        (other.id.as_str(), other.secret.as_str(), "another tenant"),
        // This client with another client's (right) secret.
        (
            client.id.as_str(),
            other.secret.as_str(),
            "another's secret",
        ),
    ];
    for (id, secret, case) in cases {
        for answer in [
            token_by_form(&app, endpoint, id, secret).await,
            token_by_basic(&app, endpoint, id, secret).await,
        ] {
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{case}");
            answer.error(
                401,
                "invalid_client",
                "unknown client id or wrong client secret",
            );
        }
    }
    // An unknown tenant answers the same: the endpoint tells nothing of who exists.
    let nowhere = format!("{}/scim/nobody/learning/oauth/token", app.base_url);
    token_by_form(&app, &nowhere, &client.id, &client.secret)
        .await
        .error(
            401,
            "invalid_client",
            "unknown client id or wrong client secret",
        );
    // A forged access token is no SCIM credential.
    let forged = format!("rosterd_oat_{}_{}", "0".repeat(32), "A".repeat(43));
    let (status, body) = scim_status(&app, &client.scim_base_url, &forged).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("The bearer token is not valid"),
        "{body}"
    );
}

#[tokio::test]
async fn grant_types_forms_and_scopes_are_checked() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    let endpoint = &client.token_endpoint;
    let post = |form: Vec<(&'static str, String)>| {
        let req = app.http.post(endpoint).form(&form);
        async move { Answer::of(req.send().await.unwrap()).await }
    };
    let creds = |extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("client_id", client.id.clone()),
            ("client_secret", client.secret.clone()),
        ];
        form.extend(extra);
        form
    };
    post(creds(vec![("grant_type", "password".into())]))
        .await
        .error(400, "unsupported_grant_type", "`password` is not supported");
    post(creds(vec![("grant_type", "authorization_code".into())]))
        .await
        .error(400, "unsupported_grant_type", "client_credentials only");
    post(creds(vec![]))
        .await
        .error(400, "invalid_request", "grant_type is missing");
    post(creds(vec![
        ("grant_type", "client_credentials".into()),
        ("grant_type", "client_credentials".into()),
    ]))
    .await
    .error(
        400,
        "invalid_request",
        "`grant_type` is sent more than once",
    );
    post(creds(vec![
        ("grant_type", "client_credentials".into()),
        ("scope", "scim admin".into()),
    ]))
    .await
    .error(400, "invalid_scope", "Unknown scope `admin`");
    let scoped = post(creds(vec![
        ("grant_type", "client_credentials".into()),
        ("scope", "scim".into()),
    ]))
    .await;
    scoped.access_token();
    assert_eq!(scoped.body["scope"], "scim");

    let json_body = app
        .http
        .post(endpoint)
        .json(&json!({"grant_type": "client_credentials", "client_id": client.id, "client_secret": client.secret}))
        .send()
        .await
        .unwrap();
    Answer::of(json_body)
        .await
        .error(400, "invalid_request", "application/x-www-form-urlencoded");
    let get = app.http.get(endpoint.as_str()).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    let no_app = format!("{}/scim/acme/crm/oauth/token", app.base_url);
    token_by_form(&app, &no_app, &client.id, &client.secret)
        .await
        .error(404, "invalid_request", "No SCIM app `crm`");
}

#[tokio::test]
async fn an_expired_access_token_is_refused_with_a_clear_detail() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    let token = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .access_token();
    app.clock.advance(Duration::minutes(59));
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &token).await.0,
        200
    );
    app.clock.advance(Duration::minutes(1));
    let (status, body) = scim_status(&app, &client.scim_base_url, &token).await;
    assert_eq!(status, 401, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("The access token expired at ")
            && detail.contains("get a new one from this app's OAuth token endpoint"),
        "{detail}"
    );
    // A new token works again.
    let fresh = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .access_token();
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &fresh).await.0,
        200
    );
}

#[tokio::test]
async fn the_lifetime_is_the_operators_choice_within_60_to_360_minutes() {
    let app = TestApp::spawn_with_env(&[("ROSTERD_OAUTH_ACCESS_TOKEN_MINUTES", "360")]).await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    let answer = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret).await;
    assert_eq!(answer.body["expires_in"], 360 * 60);
    let token = answer.access_token();
    app.clock.advance(Duration::minutes(359));
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &token).await.0,
        200
    );
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &token).await.0,
        401
    );
}

#[tokio::test]
async fn a_revoked_clients_secrets_and_access_tokens_stop_working() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    let kept = create_client(&app, "acme", "learning").await;
    let token = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .access_token();
    let kept_token = token_by_form(&app, &kept.token_endpoint, &kept.id, &kept.secret)
        .await
        .access_token();
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &token).await.0,
        200
    );

    let revoked = app.cli_ok(&["client", "revoke", "acme", &client.id]).await;
    assert_eq!(revoked["state"], "revoked");
    let (status, body) = scim_status(&app, &client.scim_base_url, &token).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("has been revoked"),
        "{body}"
    );
    token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .error(401, "invalid_client", "The OAuth client has been revoked");
    // Another client of the same app is untouched.
    assert_eq!(
        scim_status(&app, &kept.scim_base_url, &kept_token).await.0,
        200
    );
    let err = app.cli(&["client", "rotate", "acme", &client.id]).await;
    assert!(err.unwrap_err().contains("is revoked"));
}

#[tokio::test]
async fn rotation_keeps_two_secrets_live_until_the_old_one_is_revoked() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    let old_token = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .access_token();
    let rotated = app.cli_ok(&["client", "rotate", "acme", &client.id]).await;
    assert_eq!(rotated["client_id"], client.id.as_str());
    let new_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, client.secret);

    // Both secrets get tokens; every token works.
    let by_old = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .access_token();
    let by_new = token_by_basic(&app, &client.token_endpoint, &client.id, &new_secret)
        .await
        .access_token();
    for token in [&old_token, &by_old, &by_new] {
        assert_eq!(scim_status(&app, &client.scim_base_url, token).await.0, 200);
    }
    let listed = app.cli_ok(&["client", "list", "acme"]).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["secret_states"], json!(["live", "live"]));
    assert!(
        listed[0]["secrets"][1]["last_used_at"].is_string(),
        "the old secret's last use is shown: {listed}"
    );

    // Retiring the old secret: it gets no more tokens, and the tokens it got stop working.
    let old_prefix = &client.secret[.."rosterd_cs_".len() + 8];
    app.cli_ok(&["client", "revoke-secret", "acme", &client.id, old_prefix])
        .await;
    token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .error(401, "invalid_client", "This client secret has been revoked");
    for token in [&old_token, &by_old] {
        assert_eq!(scim_status(&app, &client.scim_base_url, token).await.0, 401);
    }
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &by_new).await.0,
        200
    );
    let listed = app.cli_ok(&["client", "list", "acme"]).await;
    assert_eq!(listed[0]["secret_states"], json!(["live", "revoked"]));
}

#[tokio::test]
async fn a_client_of_one_app_serves_no_other_app() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    tenant(&app, "globex").await;
    let learning = create_client(&app, "acme", "learning").await;
    app.cli_ok(&["token", "issue", "acme", "sales-navigator"])
        .await;
    app.cli_ok(&["token", "issue", "globex", "learning"]).await;
    let navigator_endpoint = format!("{}/scim/acme/sales-navigator/oauth/token", app.base_url);
    token_by_form(&app, &navigator_endpoint, &learning.id, &learning.secret)
        .await
        .error(401, "invalid_client", "belongs to the Learning app");
    let token = token_by_form(
        &app,
        &learning.token_endpoint,
        &learning.id,
        &learning.secret,
    )
    .await
    .access_token();
    for base in [
        format!("{}/scim/acme/sales-navigator/v2", app.base_url),
        format!("{}/scim/globex/learning/v2", app.base_url),
    ] {
        let (status, body) = scim_status(&app, &base, &token).await;
        assert_eq!(status, 401, "{base}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("not valid for this SCIM app"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_disabled_app_gets_no_tokens_and_its_tokens_get_403() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    let client = create_client(&app, "acme", "learning").await;
    let token = token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .access_token();
    app.cli_ok(&["app", "disable", "acme", "learning"]).await;
    token_by_form(&app, &client.token_endpoint, &client.id, &client.secret)
        .await
        .error(400, "unauthorized_client", "SCIM provisioning is disabled");
    assert_eq!(
        scim_status(&app, &client.scim_base_url, &token).await.0,
        403
    );
}

#[tokio::test]
async fn client_commands_print_secrets_once_and_leave_audit_events_without_them() {
    let app = TestApp::spawn().await;
    tenant(&app, "acme").await;
    assert_eq!(app.cli_ok(&["client", "list", "acme"]).await, json!([]));
    let client = create_client(&app, "acme", "sales-navigator").await;
    let rotated = app.cli_ok(&["client", "rotate", "acme", &client.id]).await;
    let second = rotated["client_secret"].as_str().unwrap().to_owned();
    let listed = app
        .cli_ok(&["client", "list", "acme", "--product", "sales-navigator"])
        .await;
    let text = listed.to_string();
    assert!(
        !text.contains(&client.secret) && !text.contains(&second),
        "{text}"
    );
    assert_eq!(listed[0]["client_id"], client.id.as_str());
    assert_eq!(listed[0]["product"], "sales-navigator");
    assert_eq!(listed[0]["state"], "live");
    assert_eq!(
        app.cli_ok(&["client", "list", "acme", "--product", "learning"])
            .await,
        json!([])
    );
    let unknown = app
        .cli(&["client", "revoke", "acme", "rosterd_client_nope"])
        .await
        .unwrap_err();
    assert!(
        unknown.contains("no OAuth client `rosterd_client_nope`"),
        "{unknown}"
    );
    let second_prefix = &second[.."rosterd_cs_".len() + 8];
    app.cli_ok(&["client", "revoke-secret", "acme", &client.id, second_prefix])
        .await;
    app.cli_ok(&["client", "revoke", "acme", &client.id]).await;

    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let mut events = rosterd_audit::list(&app.db.conn, tenant.id, &rosterd_audit::Query::default())
        .await
        .unwrap();
    events.reverse();
    let ours: Vec<&str> = events
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| a.starts_with("oauth_client."))
        .collect();
    assert_eq!(
        ours,
        [
            "oauth_client.create",
            "oauth_client.add_secret",
            "oauth_client.revoke_secret",
            "oauth_client.revoke"
        ]
    );
    for event in &events {
        assert!(
            !event.detail.contains(&client.secret) && !event.detail.contains(&second),
            "a secret in {event:?}"
        );
    }

    // Text output, for people: what to paste where.
    let cli = rosterd::cli::Cli::try_parse_from([
        "rosterd",
        "--database-url",
        &app.db.url,
        "--public-url",
        "https://rosterd.example.com",
        "client",
        "create",
        "acme",
        "learning",
    ])
    .unwrap();
    let mut out = Vec::new();
    rosterd::cli::run(cli, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    for expected in [
        "Tenant URL:        https://rosterd.example.com/scim/acme/learning/v2",
        "Token endpoint:    https://rosterd.example.com/scim/acme/learning/oauth/token",
        "Client identifier: rosterd_client_",
        "Client secret:     rosterd_cs_",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
}
