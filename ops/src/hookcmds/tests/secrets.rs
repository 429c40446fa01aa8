//! The secret tools: content in private files, never argv; info, ids, grants.

use super::*;

#[test]
fn secret_add_uses_private_files_never_argv() {
    let t = tools();
    t.runner()
        .answer("secret-add", 0, "secret:cq3k5g7mp25c7b0m7tpg\n", "");
    let content: BTreeMap<String, String> = [
        ("password".to_string(), "hunter2".to_string()),
        ("user".into(), "admin".into()),
    ]
    .into_iter()
    .collect();
    let options = SecretOptions {
        label: Some("db".into()),
        description: Some("the db".into()),
        expire: Some("2030-01-01T00:00:00Z".into()),
        rotate: Some("daily".into()),
    };
    let uri = t.secret_add(&content, &options, SecretOwner::Unit).unwrap();
    assert_eq!(uri, "secret:cq3k5g7mp25c7b0m7tpg");
    let call = &calls(&t)[0];
    assert_eq!(
        call.args[..10],
        [
            "--label",
            "db",
            "--description",
            "the db",
            "--expire",
            "2030-01-01T00:00:00Z",
            "--rotate",
            "daily",
            "--owner",
            "unit"
        ]
    );
    assert!(call.args[10].starts_with("password#file="));
    assert!(call.args[11].starts_with("user#file="));
    assert!(!call.args.iter().any(|a| a.contains("hunter2")));
    assert_eq!(
        call.files,
        vec![
            ("password".to_string(), "hunter2".to_string(), 0o600),
            ("user".to_string(), "admin".to_string(), 0o600)
        ]
    );
    // The files are gone afterwards.
    let path = call.args[10].split_once("#file=").unwrap().1;
    assert!(!std::path::Path::new(path).exists());
    assert!(!std::path::Path::new(path).parent().unwrap().exists());
}

#[test]
fn secret_get_info_and_ids() {
    let t = tools();
    for _ in 0..3 {
        t.runner()
            .answer("secret-get", 0, r#"{"password":"p"}"#, "");
    }
    let c = t
        .secret_get(SecretLookup::Id("secret:abc"), SecretRead::Tracked)
        .unwrap();
    assert_eq!(c["password"], "p");
    t.secret_get(SecretLookup::Label("db"), SecretRead::Peek)
        .unwrap();
    t.secret_get(
        SecretLookup::IdAndLabel("secret:abc", "db"),
        SecretRead::Refresh,
    )
    .unwrap();
    let info = r#"{"cq3k5g7mp25c7b0m7tpg":{"revision":3,"label":"db","owner":"application","rotation":"daily","rotates":"2030-01-02T00:00:00Z","expiry":"","description":"d"}}"#;
    t.runner().answer("secret-info-get", 0, info, "");
    let i = t.secret_info_get(SecretLookup::Id("secret:abc")).unwrap();
    assert_eq!(
        i,
        SecretInfo {
            id: "cq3k5g7mp25c7b0m7tpg".into(),
            label: Some("db".into()),
            description: Some("d".into()),
            expiry: None,
            rotation: Some("daily".into()),
            rotates: Some("2030-01-02T00:00:00Z".into()),
            revision: 3
        }
    );
    t.runner().answer("secret-info-get", 0, info, "");
    t.secret_info_get(SecretLookup::Label("db")).unwrap();
    t.runner()
        .answer("secret-ids", 0, r#"["secret:a","secret:b"]"#, "");
    assert_eq!(t.secret_ids().unwrap(), vec!["secret:a", "secret:b"]);
    assert_eq!(
        argv(&t),
        [
            "secret-get --format=json secret:abc",
            "secret-get --format=json --label db --peek",
            "secret-get --format=json secret:abc --label db --refresh",
            "secret-info-get --format=json secret:abc",
            "secret-info-get --format=json --label db",
            "secret-ids --format=json",
        ]
    );
    t.runner().answer("secret-info-get", 0, "{}", "");
    assert!(matches!(
        t.secret_info_get(SecretLookup::Label("x")),
        Err(ModelError::Output { .. })
    ));
    t.runner()
        .answer("secret-get", 1, "", "ERROR secret \"secret:zz\" not found");
    assert!(matches!(
        t.secret_get(SecretLookup::Id("secret:zz"), SecretRead::Tracked),
        Err(ModelError::SecretNotFound(_))
    ));
    t.runner()
        .answer("secret-get", 1, "", "ERROR permission denied");
    assert!(matches!(
        t.secret_get(SecretLookup::Id("secret:zz"), SecretRead::Tracked),
        Err(ModelError::Tool { .. })
    ));
}

#[test]
fn secret_set_grant_revoke_remove() {
    let t = tools();
    let content: BTreeMap<String, String> = [("password".to_string(), "new".to_string())]
        .into_iter()
        .collect();
    t.secret_set(
        "secret:abc",
        Some(&content),
        &SecretOptions {
            label: Some("db".into()),
            ..SecretOptions::default()
        },
    )
    .unwrap();
    t.secret_set("secret:abc", None, &SecretOptions::default())
        .unwrap();
    t.secret_grant("secret:abc", 3, None).unwrap();
    t.secret_grant("secret:abc", 3, Some("pg/0")).unwrap();
    t.secret_revoke("secret:abc", 3, Some("pg/0")).unwrap();
    t.secret_revoke_app("secret:abc", 3, "pg").unwrap();
    t.secret_remove("secret:abc", Some(2)).unwrap();
    t.secret_remove("secret:abc", None).unwrap();
    let got = argv(&t);
    assert!(
        got[0].starts_with("secret-set --label db --owner application secret:abc password#file=")
    );
    assert_eq!(
        got[1..],
        [
            "secret-set --owner application secret:abc",
            "secret-grant --relation 3 secret:abc",
            "secret-grant --relation 3 --unit pg/0 secret:abc",
            "secret-revoke --relation 3 --unit pg/0 secret:abc",
            "secret-revoke --relation 3 --app pg secret:abc",
            "secret-remove secret:abc --revision 2",
            "secret-remove secret:abc",
        ]
    );
    assert_eq!(
        calls(&t)[0].files,
        vec![("password".to_string(), "new".to_string(), 0o600)]
    );
}
