//! The OpenAPI document served at /api/v1/openapi.json against the code:
//! every path and method it names is routed (not the API's 404 fallback,
//! not 405), every route in `web/api.rs` is in it, and its field list of
//! a message is what the API answers.

mod web_harness;

use axum::http::{Method, StatusCode};
use web_harness::{Web, T0};

#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let web = Web::start("web-openapi");
    let id = web.add(web.outgoing_fax("olga", "+49301111", 1, T0));
    let a = web
        .request(Method::GET, "/api/v1/openapi.json", &[], Vec::new())
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = a.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let token = web.token("olga", "read", "30").await;
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let uri = format!(
                "/api/v1{}",
                path.replace("{id}", &id.to_string()).replace("{n}", "1")
            );
            let m: Method = method.to_uppercase().parse().unwrap();
            let a = web.api(m, &uri, &token).await;
            assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let fallback =
                a.status == StatusCode::NOT_FOUND && a.text().contains("No such API resource");
            assert!(!fallback, "{method} {path} is not routed");
        }
    }
    // Every route of the code is documented.
    let code = include_str!("../src/web/api.rs");
    let mut routes = 0;
    for part in code.split(".route(\"").skip(1) {
        let path = part.split('"').next().unwrap();
        routes += 1;
        assert!(
            paths.contains_key(path),
            "{path} is routed but not in openapi.json"
        );
    }
    assert_eq!(
        routes,
        paths.len(),
        "routes in the code and paths in the document"
    );
    // A message's fields are the schema's.
    let v = web
        .api(Method::GET, &format!("/api/v1/messages/{id}"), &token)
        .await
        .json();
    let fields: std::collections::BTreeSet<&String> = v.as_object().unwrap().keys().collect();
    let schema = doc["components"]["schemas"]["Message"]["properties"]
        .as_object()
        .unwrap();
    let documented: std::collections::BTreeSet<&String> = schema.keys().collect();
    assert_eq!(fields, documented);
    for r in doc["components"]["schemas"]["Message"]["required"]
        .as_array()
        .unwrap()
    {
        assert!(!v[r.as_str().unwrap()].is_null(), "required {r} is null");
    }
}

/// openapi-spec-validator (Python, where installed) accepts the document.
#[test]
fn the_openapi_document_validates() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/assets/openapi.json");
    let script = "import json,sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')";
    let mut tried = Vec::new();
    // scripts/setup.sh --test installs it in a venv of its own.
    for py in ["/opt/ums-test-python/bin/python", "python3.11", "python3"] {
        let Ok(out) = std::process::Command::new(py)
            .args(["-c", script, file])
            .output()
        else {
            continue;
        };
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        if err.contains("No module named 'openapi_spec_validator'") {
            tried.push(py);
            continue;
        }
        assert!(out.status.success(), "{py}: {err}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
        return;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "openapi-spec-validator missing under CI ({tried:?}): scripts/setup.sh --test installs it"
    );
    eprintln!("openapi-spec-validator not installed ({tried:?}): not checked");
}
