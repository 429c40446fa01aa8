use super::super::testbed::{core, core_with, Fake};
use super::*;
use crate::model::ModelCore;

const UUID: &str = "00000000-0000-4000-8000-000000000000";

/// A model whose simulated Juju holds one secret this unit owns (label `db-pass`,
/// revision 1 tracked), not yet read in this hook.
fn with_secret() -> (Fake, ModelCore, String) {
    let (fake, model) = core();
    let id = format!("secret://{UUID}/s1");
    fake.state().secrets.push(
        crate::testing::Secret::new([("password", "hunter2")])
            .id(id.clone())
            .label("db-pass")
            .owned_by_unit(),
    );
    (fake, model, id)
}

#[test]
fn add_secret_validates_and_caches_content() {
    let (fake, model) = core();
    fake.state().leader = true;
    let secret = model
        .app()
        .add_secret(
            [("username", "admin"), ("password", "hunter2")],
            SecretSettings::new()
                .label("creds")
                .description("db creds")
                .rotate(SecretRotate::Weekly)
                .expire(SecretExpiry::Rfc3339("2030-01-01T00:00:00Z".into())),
        )
        .unwrap();
    assert_eq!(secret.label(), Some("creds"));
    assert!(secret.id().unwrap().starts_with("secret:"));
    assert_eq!(
        secret.get_content(false).unwrap().get("password"),
        Some("hunter2")
    );
    let again = model.get_secret_by_id(secret.id().unwrap()).unwrap();
    assert_eq!(again.get_content(false).unwrap().len(), 2);
    assert_eq!(
        fake.calls(),
        vec![
            "secret-add --owner application --label creds --description db creds \
             --expire 2030-01-01T00:00:00Z --rotate weekly keys=password,username"
        ]
    );
    for bad in [
        SecretContent::new(),
        SecretContent::from([("ab", "x")]),
        SecretContent::from([("Password", "x")]),
        SecretContent::from([("pass--word", "x")]),
        SecretContent::from([("pass-", "x")]),
        SecretContent::from([("1abc", "x")]),
    ] {
        let err = model
            .unit()
            .add_secret(bad, SecretSettings::new())
            .unwrap_err();
        assert!(matches!(err, ModelError::Invalid { .. }));
    }
    assert!(model
        .get_unit("web/1")
        .add_secret([("abc", "x")], SecretSettings::new())
        .is_err());
    assert!(model
        .get_app("db")
        .add_secret([("abc", "x")], SecretSettings::new())
        .is_err());
    assert_eq!(fake.calls_of("secret-add"), 1);
}

#[test]
fn valid_keys_follow_juju() {
    for good in ["abc", "a-bc", "a1b", "pass-word-2", "a-b-c"] {
        assert!(valid_key(good), "{good}");
    }
    for bad in ["", "ab", "a-", "-abc", "a--b", "aBc", "a_b", "1ab", "a-b-"] {
        assert!(!valid_key(bad), "{bad}");
    }
}

#[test]
fn content_is_cached_for_the_tracked_revision() {
    let (fake, model, id) = with_secret();
    let secret = model.get_secret_by_id(&id).unwrap();
    secret.get_content(false).unwrap();
    model
        .get_secret_by_id(&id)
        .unwrap()
        .get_content(false)
        .unwrap();
    assert_eq!(fake.calls_of("secret-get"), 1, "{:?}", fake.calls());
    // A new revision: the tracked one stays until a refresh.
    {
        let mut state = fake.state();
        state.secrets[0].latest_content = [("password".to_string(), "new".to_string())].into();
        state.secrets[0].latest_revision = 2;
    }
    assert_eq!(
        secret.get_content(false).unwrap().get("password"),
        Some("hunter2")
    );
    assert_eq!(secret.peek_content().unwrap().get("password"), Some("new"));
    assert_eq!(secret.peek_content().unwrap().get("password"), Some("new"));
    assert_eq!(
        secret.get_content(false).unwrap().get("password"),
        Some("hunter2")
    );
    assert_eq!(
        secret.get_content(true).unwrap().get("password"),
        Some("new")
    );
    assert_eq!(
        secret.get_content(false).unwrap().get("password"),
        Some("new")
    );
    assert_eq!(
        fake.calls(),
        vec![
            format!("secret-get {id}"),
            format!("secret-get {id} --peek"),
            format!("secret-get {id} --peek"),
            format!("secret-get {id} --refresh"),
        ]
    );
}

#[test]
fn get_secret_by_label_and_relabel() {
    let (fake, model, id) = with_secret();
    let by_label = model.get_secret_by_label("db-pass").unwrap();
    assert_eq!(by_label.id(), None);
    assert_eq!(
        by_label.get_content(false).unwrap().get("password"),
        Some("hunter2")
    );
    let relabelled = model.get_secret(Some(&id), Some("other")).unwrap();
    assert_eq!(relabelled.label(), Some("other"));
    model.get_secret(Some(&id), Some("other")).unwrap();
    assert_eq!(
        fake.calls(),
        vec![
            "secret-get --label db-pass".to_string(),
            format!("secret-get {id} --label other"),
            format!("secret-get {id} --label other"),
        ]
    );
    assert!(model.get_secret(None, None).is_err());
}

#[test]
fn missing_secrets_are_secret_not_found() {
    let (fake, model) = core();
    assert!(matches!(
        model.get_secret_by_id("secret:nope"),
        Err(ModelError::SecretNotFound(_))
    ));
    assert!(matches!(
        model.get_secret_by_label("nope"),
        Err(ModelError::SecretNotFound(_))
    ));
    fake.fail("secret-get");
    assert!(matches!(
        model.get_secret_by_id("secret:nope"),
        Err(ModelError::Tool { .. })
    ));
}

#[test]
fn bare_ids_are_made_canonical() {
    let (_fake, model) = core();
    let secret = Secret::new(&model, Some(" abc123 ".into()), None);
    assert_eq!(
        secret.id(),
        Some(format!("secret://{UUID}/abc123").as_str())
    );
    assert_eq!(secret.unique_identifier(), Some("abc123"));
    let plain = Secret::new(&model, Some("secret:xyz".into()), None);
    assert_eq!(plain.id(), Some("secret:xyz"));
    assert_eq!(plain.unique_identifier(), Some("xyz"));
    assert_eq!(canonical_id("abc", ""), "secret:abc");
}

#[test]
fn mutators_resolve_a_label_to_an_id_once() {
    let (fake, model, id) = with_secret();
    // Revision 2 tracked and latest, so revision 1 may be removed.
    fake.state().secrets[0].tracked_revision = 2;
    fake.state().secrets[0].latest_revision = 2;
    let secret = Secret::new(&model, None, Some("db-pass".into()));
    secret.set_content([("password", "rotated")]).unwrap();
    secret.remove_revision(1).unwrap();
    assert_eq!(secret.id(), Some(id.as_str()));
    assert_eq!(
        fake.calls(),
        vec![
            "secret-info-get --label db-pass".to_string(),
            format!("secret-set {id} keys=password"),
            format!("secret-remove {id} --revision 1"),
        ]
    );
    // The content cache was dropped: the owner reads the new revision again.
    assert_eq!(
        secret.get_content(false).unwrap().get("password"),
        Some("hunter2")
    );
}

#[test]
fn set_content_invalidates_the_cache() {
    let (fake, model, id) = with_secret();
    let secret = model.get_secret_by_id(&id).unwrap();
    fake.clear();
    secret.set_content([("password", "two")]).unwrap();
    secret.get_content(true).unwrap();
    assert_eq!(
        secret.get_content(false).unwrap().get("password"),
        Some("two")
    );
    assert_eq!(
        fake.calls(),
        vec![
            format!("secret-set {id} keys=password"),
            format!("secret-get {id} --refresh")
        ]
    );
    assert!(secret.set_content(SecretContent::new()).is_err());
}

#[test]
fn set_info_needs_a_field_and_keeps_content() {
    let (fake, model, id) = with_secret();
    let secret = model.get_secret_by_id(&id).unwrap();
    fake.clear();
    assert!(matches!(
        secret.set_info(SecretSettings::new()),
        Err(ModelError::Invalid { .. })
    ));
    secret
        .set_info(
            SecretSettings::new()
                .description("d")
                .rotate(SecretRotate::Daily),
        )
        .unwrap();
    assert_eq!(
        fake.calls(),
        vec![format!("secret-set {id} --description d --rotate daily")]
    );
    assert_eq!(fake.state().secrets[0].latest_revision, 1);
}

#[test]
fn old_juju_secret_set_fills_content_and_metadata() {
    let (fake, model) = core_with(|ctx| ctx.version = "3.5.4".into());
    fake.state().leader = true;
    let secret = model
        .app()
        .add_secret(
            [("token", "t1")],
            SecretSettings::new().label("tok").description("d"),
        )
        .unwrap();
    let id = secret.id().unwrap().to_string();
    fake.clear();
    secret
        .set_info(SecretSettings::new().rotate(SecretRotate::Hourly))
        .unwrap();
    assert_eq!(
        fake.calls(),
        vec![
            format!("secret-get {id} --peek"),
            format!("secret-info-get {id}"),
            format!("secret-set {id} --label tok --description d --rotate hourly keys=token"),
        ]
    );
}

#[test]
fn grant_revoke_remove_and_ids() {
    let (fake, model, id) = with_secret();
    fake.relate("db", 3, &["pg/0"]);
    let rel = model.relation_one("db").unwrap().unwrap();
    let secret = model.get_secret_by_id(&id).unwrap();
    fake.clear();
    secret.grant(&rel, None).unwrap();
    secret.grant(&rel, Some(&model.get_unit("pg/0"))).unwrap();
    secret.revoke(&rel, Some(&model.get_unit("pg/0"))).unwrap();
    assert_eq!(model.secret_ids().unwrap(), vec![id.clone()]);
    secret.remove_all_revisions().unwrap();
    assert!(model.secret_ids().unwrap().is_empty());
    assert_eq!(
        fake.calls(),
        vec![
            format!("secret-grant {id} -r 3"),
            format!("secret-grant {id} -r 3 --unit pg/0"),
            format!("secret-revoke {id} -r 3 --unit pg/0"),
            "secret-ids".to_string(),
            format!("secret-remove {id}"),
            "secret-ids".to_string(),
        ]
    );
    fake.fail("secret-grant");
    assert!(matches!(
        secret.grant(&rel, None),
        Err(ModelError::Tool { .. })
    ));
}

#[test]
fn get_info_reports_metadata() {
    let (_fake, model, id) = with_secret();
    let info = model
        .get_secret_by_label("db-pass")
        .unwrap()
        .get_info()
        .unwrap();
    assert_eq!(info.id, id);
    assert_eq!(info.label.as_deref(), Some("db-pass"));
    assert_eq!(info.revision, 1);
}

#[test]
fn get_info_makes_the_bare_id_juju_prints_canonical() {
    let (fake, model, _) = with_secret();
    fake.state().secrets.push(
        crate::testing::Secret::new([("password", "x")])
            .id("s2")
            .label("bare")
            .owned_by_unit(),
    );
    let secret = model.get_secret_by_label("bare").unwrap();
    assert_eq!(secret.id(), None);
    let canonical = format!("secret://{UUID}/s2");
    assert_eq!(secret.get_info().unwrap().id, canonical);
    assert_eq!(secret.id(), Some(canonical.as_str()));
}

#[test]
fn content_never_shows_in_debug_or_errors() {
    let (fake, model, id) = with_secret();
    let secret = model.get_secret_by_id(&id).unwrap();
    let content = secret.get_content(false).unwrap();
    let debug = format!("{content:?} {secret:?}");
    assert!(
        debug.contains("password") && !debug.contains("hunter2"),
        "{debug}"
    );
    let err = model
        .unit()
        .add_secret([("BAD", "hunter2")], SecretSettings::new())
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?}").contains("hunter2"));
    assert!(fake.calls().iter().all(|c| !c.contains("hunter2")));
}

#[test]
fn secret_remove_and_expired_events_remove_their_revision() {
    use crate::event::{EventData, EventKind, FromEvent, SecretExpired, SecretRef, SecretRemove};
    let (fake, model, id) = with_secret();
    let event = |kind, revision| EventData {
        secret: Some(SecretRef {
            id: id.clone(),
            label: None,
            revision,
        }),
        ..EventData::new(kind)
    };
    SecretRemove::from_event(&model, &event(EventKind::SecretRemove, Some(4)))
        .unwrap()
        .remove_revision()
        .unwrap();
    SecretExpired::from_event(&model, &event(EventKind::SecretExpired, Some(5)))
        .unwrap()
        .remove_revision()
        .unwrap();
    let without = SecretRemove::from_event(&model, &event(EventKind::SecretRemove, None)).unwrap();
    assert!(matches!(
        without.remove_revision(),
        Err(ModelError::Invalid { .. })
    ));
    assert_eq!(
        fake.calls(),
        [
            format!("secret-remove {id} --revision 4"),
            format!("secret-remove {id} --revision 5")
        ]
    );
}

#[test]
fn secret_events_carry_the_secret() {
    use crate::event::{EventData, EventKind, FromEvent, SecretChanged, SecretRef};
    let (fake, model, id) = with_secret();
    let mut event = EventData::new(EventKind::SecretChanged);
    event.secret = Some(SecretRef {
        id: id.clone(),
        label: Some("db-pass".into()),
        revision: None,
    });
    let payload = SecretChanged::from_event(&model, &event).unwrap();
    assert_eq!(payload.secret.id(), Some(id.as_str()));
    assert_eq!(
        payload.secret.get_content(true).unwrap().get("password"),
        Some("hunter2")
    );
    assert_eq!(
        fake.calls(),
        vec![format!("secret-get {id} --label db-pass --refresh")]
    );
}

#[test]
fn expiry_formats_as_rfc3339() {
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    assert_eq!(SecretExpiry::At(at).to_rfc3339(), "2023-11-14T22:13:20Z");
    assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    assert_eq!(
        rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
        "2000-02-29T00:00:00Z"
    );
    let soon = SecretExpiry::In(Duration::from_secs(3600)).to_rfc3339();
    assert!(soon.ends_with('Z') && soon.len() == 20, "{soon}");
    assert_eq!(
        "weekly".parse::<SecretRotate>().unwrap(),
        SecretRotate::Weekly
    );
    assert!("sometimes".parse::<SecretRotate>().is_err());
}

#[test]
fn secret_info_gives_typed_expiry_and_rotation() {
    let at = |s: u64, n: u32| Some(UNIX_EPOCH + Duration::new(s, n));
    // What rfc3339 writes reads back; offsets and fractions as Juju may print them.
    for secs in [0, 951_782_400, 1_700_000_000, 253_402_300_799] {
        let time = UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(parse_rfc3339(&rfc3339(time)), Some(time));
    }
    assert_eq!(
        parse_rfc3339("2023-11-14T23:13:20.5+01:00"),
        at(1_700_000_000, 500_000_000)
    );
    assert_eq!(
        parse_rfc3339("2023-11-14T21:13:20-01:00"),
        at(1_700_000_000, 0)
    );
    for bad in [
        "",
        "2023-11-14",
        "2023-13-01T00:00:00Z",
        "2023-11-14T25:00:00Z",
        "1969-12-31T23:59:59Z",
        "x",
    ] {
        assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
    }
    let info = crate::backend::SecretInfo {
        id: "secret:abc".into(),
        label: None,
        description: None,
        expiry: Some("2023-11-14T22:13:20Z".into()),
        rotation: Some("daily".into()),
        rotates: Some("2023-11-15T22:13:20Z".into()),
        revision: 2,
    };
    assert_eq!(info.expires(), at(1_700_000_000, 0));
    assert_eq!(info.next_rotation(), at(1_700_086_400, 0));
    assert_eq!(info.rotation_policy().unwrap(), Some(SecretRotate::Daily));
    let odd = crate::backend::SecretInfo {
        rotation: Some("fortnightly".into()),
        expiry: None,
        ..info
    };
    assert!(odd.rotation_policy().is_err());
    assert_eq!(odd.expires(), None);
}

#[test]
fn expiry_past_what_rfc3339_or_the_clock_holds_clamps() {
    // `SystemTime::now() + Duration::MAX` panicked.
    assert_eq!(
        SecretExpiry::In(Duration::MAX).to_rfc3339(),
        "9999-12-31T23:59:59Z"
    );
    let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    assert_eq!(rfc3339(last), "9999-12-31T23:59:59Z");
    assert_eq!(
        rfc3339(last + Duration::from_secs(1)),
        "9999-12-31T23:59:59Z"
    );
    let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
    assert_eq!(SecretExpiry::At(far).to_rfc3339(), "9999-12-31T23:59:59Z");
    assert_eq!(
        rfc3339(UNIX_EPOCH - Duration::from_secs(1)),
        "1970-01-01T00:00:00Z"
    );
}
