//! Secret events, revisions and the backend's secret rules.

use super::*;

#[test]
fn secret_events_and_revisions() {
    let mut ctx = ctx();
    let observed = Secret::new([("user", "u")]).latest([("user", "u2")]);
    let state = State::new().secret(observed.clone());
    let out = ctx.run(ctx.on.secret_changed(&observed), &state).unwrap();
    let s = out.get_secret(Some(&observed.id), None).unwrap();
    assert_eq!(s.tracked_revision, 2, "refresh tracks the latest");
    assert_eq!(
        s.tracked_content.get("user").map(String::as_str),
        Some("u2")
    );

    let owned = Secret::new([("k", "v")]).owned_by_app();
    let mut owned3 = owned.clone();
    owned3.latest_revision = 5;
    owned3.tracked_revision = 5;
    let state = State::new().secret(owned3.clone()).leader(true);
    ctx.run(ctx.on.secret_remove(&owned3, 2), &state).unwrap();
    assert_eq!(ctx.removed_secret_revisions(), &[2]);
    let err = ctx
        .run(ctx.on.secret_remove(&owned3, 5), &state)
        .unwrap_err();
    assert!(err.to_string().contains("latest revision"), "{err}");
    let expired = ctx.on.secret_expired(&owned3, 5);
    assert_eq!(expired.data.secret.as_ref().unwrap().revision, Some(5));
    ctx.run(expired, &state).unwrap();
    ctx.run(ctx.on.secret_rotate(&owned3), &state).unwrap();
}

#[test]
fn secret_backend_rules() {
    let mut h = Harness::<Demo>::new();
    let observed = h.add_user_secret([("a", "1")]);
    let model = h.model();
    let b = model.core().backend();
    use crate::backend::{SecretLookup, SecretOptions, SecretRead};
    assert_eq!(
        b.secret_get(SecretLookup::Id(&observed), SecretRead::Tracked)
            .unwrap()["a"],
        "1"
    );
    assert!(
        b.secret_info_get(SecretLookup::Id(&observed)).is_err(),
        "not the owner"
    );
    assert!(b
        .secret_set(&observed, None, &SecretOptions::default())
        .is_err());
    let id = b
        .secret_add(
            &[("x".to_string(), "y".to_string())].into_iter().collect(),
            &SecretOptions {
                label: Some("mine".into()),
                ..Default::default()
            },
            SecretOwner::Unit,
        )
        .unwrap();
    assert!(id.starts_with("secret:") && id.len() == 27, "{id}");
    let info = b.secret_info_get(SecretLookup::Label("mine")).unwrap();
    assert_eq!(info.revision, 1);
    b.secret_set(
        &id,
        Some(&[("x".to_string(), "z".to_string())].into_iter().collect()),
        &SecretOptions::default(),
    )
    .unwrap();
    assert_eq!(
        b.secret_info_get(SecretLookup::Id(&id)).unwrap().revision,
        2
    );
    assert_eq!(b.secret_ids().unwrap(), vec![id.clone()]);
    assert!(
        b.secret_add(
            &[("x".to_string(), "y".to_string())].into_iter().collect(),
            &SecretOptions::default(),
            SecretOwner::Application
        )
        .is_err(),
        "app secrets need leadership"
    );
    let rel = h.add_relation("db", "pg").unwrap();
    let model = h.model();
    let b = model.core().backend();
    b.secret_grant(&id, rel, None).unwrap();
    assert_eq!(h.get_secret_grants(&id, rel), vec!["pg"]);
    b.secret_revoke(&id, rel, None).unwrap();
    assert!(h.get_secret_grants(&id, rel).is_empty());
    // `--app` names the application whose grant goes.
    b.secret_grant(&id, rel, None).unwrap();
    b.secret_revoke_app(&id, rel, "other").unwrap();
    assert_eq!(h.get_secret_grants(&id, rel), vec!["pg"]);
    b.secret_revoke_app(&id, rel, "pg").unwrap();
    assert!(h.get_secret_grants(&id, rel).is_empty());
    b.secret_remove(&id, None).unwrap();
    assert!(h.state().get_secret(Some(&id), None).is_none());
}
