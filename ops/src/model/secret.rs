//! Secrets: adding, reading (content cached for the tracked revision; `peek` and
//! `refresh`), updating, granting, revoking and removing.
//!
//! Secret content never appears in a log line, an error message or a `Debug` string:
//! [`SecretContent`] prints its keys only, and errors name keys, never values.

use super::unit::{App, Unit};
use super::{ModelCore, Relation, Secret};
use crate::backend::{SecretInfo, SecretLookup, SecretOptions, SecretOwner, SecretRead};
use crate::error::ModelError;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A secret's content: keys to values. Its `Debug` shows the keys, never the values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    /// Empty content.
    pub fn new() -> Self {
        SecretContent::default()
    }
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }
    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
    /// The key-value pairs, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The content as a map.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
    /// The content as a map, by value.
    pub fn into_inner(self) -> BTreeMap<String, String> {
        self.0
    }

    /// Checks what Juju would refuse: no keys, or a key that is not lowercase letters,
    /// digits and single hyphens, at least 3 long, starting with a letter.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.0.is_empty() {
            return Err(ModelError::Invalid {
                what: "secret content",
                detail: "it must not be empty".into(),
            });
        }
        let bad: Vec<&str> = self.keys().filter(|k| !valid_key(k)).collect();
        if !bad.is_empty() {
            return Err(ModelError::Invalid {
                what: "secret content",
                detail: format!(
                    "invalid keys {bad:?}: keys must be lowercase letters and digits, at least \
                     3 characters long, start with a letter, and not start or end with a hyphen \
                     (nor hold two in a row)"
                ),
            });
        }
        Ok(())
    }
}

/// Juju's `^[a-z](?:-?[a-z0-9]){2,}$`.
fn valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    if !first.is_ascii_lowercase() {
        return false;
    }
    let mut groups = 0;
    let mut after_hyphen = false;
    for &b in rest {
        match b {
            b'-' if !after_hyphen => after_hyphen = true,
            b'a'..=b'z' | b'0'..=b'9' => {
                after_hyphen = false;
                groups += 1;
            }
            _ => return false,
        }
    }
    !after_hyphen && groups >= 2
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, Redacted)))
            .finish()
    }
}

struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<BTreeMap<String, String>> for SecretContent {
    fn from(map: BTreeMap<String, String>) -> Self {
        SecretContent(map)
    }
}

impl From<HashMap<String, String>> for SecretContent {
    fn from(map: HashMap<String, String>) -> Self {
        SecretContent(map.into_iter().collect())
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for SecretContent {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for SecretContent {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        SecretContent(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// How often Juju asks the owner to rotate a secret (`secret-rotate` events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variant names are Juju's.
pub enum SecretRotate {
    Never,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl SecretRotate {
    /// Juju's name for the policy.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretRotate::Never => "never",
            SecretRotate::Hourly => "hourly",
            SecretRotate::Daily => "daily",
            SecretRotate::Weekly => "weekly",
            SecretRotate::Monthly => "monthly",
            SecretRotate::Quarterly => "quarterly",
            SecretRotate::Yearly => "yearly",
        }
    }
}

impl std::str::FromStr for SecretRotate {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        Ok(match s {
            "never" => SecretRotate::Never,
            "hourly" => SecretRotate::Hourly,
            "daily" => SecretRotate::Daily,
            "weekly" => SecretRotate::Weekly,
            "monthly" => SecretRotate::Monthly,
            "quarterly" => SecretRotate::Quarterly,
            "yearly" => SecretRotate::Yearly,
            other => {
                return Err(ModelError::Invalid {
                    what: "secret rotation policy",
                    detail: format!("{other:?} is not one of Juju's policies"),
                })
            }
        })
    }
}

/// When a secret (revision) expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretExpiry {
    /// At this time.
    At(SystemTime),
    /// This long from now.
    In(Duration),
    /// At this RFC 3339 time, as written.
    Rfc3339(String),
}

impl SecretExpiry {
    /// The RFC 3339 time `secret-add --expire` takes.
    pub fn to_rfc3339(&self) -> String {
        match self {
            SecretExpiry::At(time) => rfc3339(*time),
            // `SystemTime + Duration` panics past what the clock holds (`Duration::MAX`).
            SecretExpiry::In(duration) => SystemTime::now()
                .checked_add(*duration)
                .map_or_else(|| RFC3339_LATEST.to_string(), rfc3339),
            SecretExpiry::Rfc3339(text) => text.clone(),
        }
    }
}

/// The latest time RFC 3339 writes (a four-digit year).
const RFC3339_LATEST: &str = "9999-12-31T23:59:59Z";

/// `time` as `YYYY-MM-DDTHH:MM:SSZ` (UTC; times before 1970 clamp to the epoch, times
/// after 9999 to [`RFC3339_LATEST`]).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    // 10000-01-01T00:00:00Z.
    if secs >= 253_402_300_800 {
        return RFC3339_LATEST.to_string();
    }
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The time an RFC 3339 text names (`2023-11-14T22:13:20Z`, with fractional seconds
/// and a `Z` or `±HH:MM` offset, as Juju prints them); `None` when it is not one, or
/// before 1970.
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    // The offset: `Z`, or the last `+`/`-` in the time part.
    let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':')?;
        (
            clock,
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60),
        )
    };
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut c = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (c.next()??, c.next()??, c.next()??);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let nanos = format!("{fraction:0<9}").get(..9)?.parse::<u32>().ok()?;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// A secret's metadata, for [`App::add_secret`], [`Unit::add_secret`] and
/// [`Secret::set_info`]: each field left `None` is not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretSettings {
    /// A label, local to this charm, to find the secret by.
    pub label: Option<String>,
    /// A description for operators.
    pub description: Option<String>,
    /// When it expires (`secret-expired` events).
    pub expire: Option<SecretExpiry>,
    /// How often it rotates (`secret-rotate` events).
    pub rotate: Option<SecretRotate>,
}

impl SecretSettings {
    /// No settings.
    pub fn new() -> Self {
        SecretSettings::default()
    }
    /// With `label`.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// With `description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Expiring as `expire` says.
    pub fn expire(mut self, expire: SecretExpiry) -> Self {
        self.expire = Some(expire);
        self
    }
    /// Rotating as `rotate` says.
    pub fn rotate(mut self, rotate: SecretRotate) -> Self {
        self.rotate = Some(rotate);
        self
    }
    fn is_empty(&self) -> bool {
        self == &SecretSettings::default()
    }
    fn options(&self) -> SecretOptions {
        SecretOptions {
            label: self.label.clone(),
            description: self.description.clone(),
            expire: self.expire.as_ref().map(SecretExpiry::to_rfc3339),
            rotate: self.rotate.map(|r| r.as_str().to_string()),
        }
    }
}

/// `id` in the canonical form `secret:…` (a bare id becomes `secret://<model>/<id>`).
pub(crate) fn canonical_id(id: &str, model_uuid: &str) -> String {
    let id = id.trim();
    if id.starts_with("secret:") {
        id.to_string()
    } else if model_uuid.is_empty() {
        format!("secret:{id}")
    } else {
        format!("secret://{model_uuid}/{id}")
    }
}

fn cache_key_for(id: Option<&str>, label: Option<&str>) -> String {
    match (id, label) {
        (Some(id), _) => format!("id:{id}"),
        (None, Some(label)) => format!("label:{label}"),
        (None, None) => String::new(),
    }
}

impl ModelCore {
    /// The secret with `id` and/or `label`, its content read now (`secret-get`, tracked
    /// revision; cached for the hook). Giving both sets the label (an observer's way to
    /// name a secret it was given).
    pub fn get_secret(
        &self,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<Secret<'_>, ModelError> {
        if id.is_none() && label.is_none() {
            return Err(ModelError::Invalid {
                what: "secret lookup",
                detail: "give an id, a label, or both".into(),
            });
        }
        let secret = Secret::new(self, id.map(str::to_string), label.map(str::to_string));
        if id.is_some() && label.is_some() {
            // Always asked: the call is what sets the label.
            let content = self
                .backend
                .secret_get(secret.lookup(), SecretRead::Tracked)?;
            self.cache
                .borrow_mut()
                .secrets
                .insert(secret.cache_key(), content);
        } else {
            secret.get_content(false)?;
        }
        Ok(secret)
    }

    /// The secret with URI `id` (content read now).
    pub fn get_secret_by_id(&self, id: &str) -> Result<Secret<'_>, ModelError> {
        self.get_secret(Some(id), None)
    }

    /// The secret this charm labelled `label` (content read now).
    pub fn get_secret_by_label(&self, label: &str) -> Result<Secret<'_>, ModelError> {
        self.get_secret(None, Some(label))
    }

    /// The URIs of the secrets this unit (or its application) owns (`secret-ids`).
    pub fn secret_ids(&self) -> Result<Vec<String>, ModelError> {
        self.backend.secret_ids()
    }

    fn add_secret(
        &self,
        content: SecretContent,
        settings: &SecretSettings,
        owner: SecretOwner,
    ) -> Result<Secret<'_>, ModelError> {
        content.validate()?;
        let id = self
            .backend
            .secret_add(content.as_map(), &settings.options(), owner)?;
        let secret = Secret::new(self, Some(id), settings.label.clone());
        self.cache
            .borrow_mut()
            .secrets
            .insert(secret.cache_key(), content.into_inner());
        Ok(secret)
    }
}

impl<'m> App<'m> {
    /// Adds a secret owned by this application (`secret-add --owner application`); only
    /// the leader may.
    pub fn add_secret(
        &self,
        content: impl Into<SecretContent>,
        settings: SecretSettings,
    ) -> Result<Secret<'m>, ModelError> {
        if !self.is_this_app() {
            return Err(ModelError::Other(format!(
                "cannot add a secret to application {}: only to this application",
                self.name()
            )));
        }
        self.core
            .add_secret(content.into(), &settings, SecretOwner::Application)
    }
}

impl<'m> Unit<'m> {
    /// Adds a secret owned by this unit (`secret-add --owner unit`).
    pub fn add_secret(
        &self,
        content: impl Into<SecretContent>,
        settings: SecretSettings,
    ) -> Result<Secret<'m>, ModelError> {
        if !self.is_this_unit() {
            return Err(ModelError::Other(format!(
                "cannot add a secret to unit {}: only to this unit",
                self.name()
            )));
        }
        self.core
            .add_secret(content.into(), &settings, SecretOwner::Unit)
    }
}

impl<'m> Secret<'m> {
    /// The globally unique part of the id (`secret://model/XYZ` → `XYZ`), if the id is
    /// known.
    pub fn unique_identifier(&self) -> Option<&str> {
        let id = self.id()?;
        Some(match id.rsplit_once('/') {
            Some((_, tail)) => tail,
            None => id.strip_prefix("secret:").unwrap_or(id),
        })
    }

    /// The model this secret belongs to.
    pub fn model(&self) -> &'m ModelCore {
        self.core
    }

    fn lookup(&self) -> SecretLookup<'_> {
        match (self.id(), self.label.as_deref()) {
            (Some(id), Some(label)) => SecretLookup::IdAndLabel(id, label),
            (Some(id), None) => SecretLookup::Id(id),
            (None, Some(label)) => SecretLookup::Label(label),
            // `Secret::new` callers always give one; an empty id finds nothing.
            (None, None) => SecretLookup::Id(""),
        }
    }

    fn cache_key(&self) -> String {
        cache_key_for(self.id(), self.label.as_deref())
    }

    fn forget_content(&self) {
        let mut cache = self.core.cache.borrow_mut();
        cache.secrets.remove(&cache_key_for(self.id(), None));
        if let Some(label) = &self.label {
            cache.secrets.remove(&cache_key_for(None, Some(label)));
        }
        cache.secrets.remove(&self.cache_key());
    }

    /// The content of the revision this unit tracks, read once per hook (`secret-get`);
    /// with `refresh`, the latest revision, which this unit tracks from now on
    /// (`secret-get --refresh`).
    pub fn get_content(&self, refresh: bool) -> Result<SecretContent, ModelError> {
        let key = self.cache_key();
        if !refresh {
            if let Some(content) = self.core.cache.borrow().secrets.get(&key) {
                return Ok(SecretContent(content.clone()));
            }
        }
        let read = if refresh {
            SecretRead::Refresh
        } else {
            SecretRead::Tracked
        };
        let content = self.core.backend.secret_get(self.lookup(), read)?;
        self.core
            .cache
            .borrow_mut()
            .secrets
            .insert(key, content.clone());
        Ok(SecretContent(content))
    }

    /// The content of the latest revision, without tracking it and without caching it
    /// (`secret-get --peek`, every call).
    pub fn peek_content(&self) -> Result<SecretContent, ModelError> {
        Ok(SecretContent(
            self.core
                .backend
                .secret_get(self.lookup(), SecretRead::Peek)?,
        ))
    }

    /// The secret's metadata (`secret-info-get`; owners only).
    pub fn get_info(&self) -> Result<SecretInfo, ModelError> {
        let lookup = match (self.id(), self.label.as_deref()) {
            (None, Some(label)) => SecretLookup::Label(label),
            (Some(id), _) => SecretLookup::Id(id),
            (None, None) => SecretLookup::Id(""),
        };
        let mut info = self.core.backend.secret_info_get(lookup)?;
        // Juju prints the bare id; like Python `ops`, hand out the canonical URI.
        info.id = canonical_id(&info.id, self.core.uuid());
        if self.id().is_none() {
            let _ = self.resolved_id.set(info.id.clone());
        }
        Ok(info)
    }

    /// The id, looked up once with `secret-info-get` for a secret got by label.
    fn require_id(&self) -> Result<String, ModelError> {
        if let Some(id) = self.id() {
            return Ok(id.to_string());
        }
        Ok(self.get_info()?.id)
    }

    /// `secret-set`, filling in what Juju before 3.6 would otherwise reset (it does not
    /// merge several updates in one hook): the content (latest revision) and the
    /// metadata not being changed.
    fn secret_set(
        &self,
        id: &str,
        content: Option<SecretContent>,
        settings: &SecretSettings,
    ) -> Result<(), ModelError> {
        let mut options = settings.options();
        let mut content = content.map(SecretContent::into_inner);
        let old_juju =
            self.core.juju_version().unwrap_or_default() < super::JujuVersion::new(3, 6, 0);
        if old_juju {
            if content.is_none() {
                content = Some(
                    self.core
                        .backend
                        .secret_get(SecretLookup::Id(id), SecretRead::Peek)?,
                );
            }
            if options.label.is_none()
                || options.description.is_none()
                || options.expire.is_none()
                || options.rotate.is_none()
            {
                let info = self.core.backend.secret_info_get(SecretLookup::Id(id))?;
                options.label = options.label.or(info.label);
                options.description = options.description.or(info.description);
                options.expire = options.expire.or(info.expiry);
                options.rotate = options.rotate.or(info.rotation);
            }
        }
        self.core.backend.secret_set(id, content.as_ref(), &options)
    }

    /// Replaces the content: a new revision, which observers hear of through
    /// `secret-changed`. Owners only.
    pub fn set_content(&self, content: impl Into<SecretContent>) -> Result<(), ModelError> {
        let content = content.into();
        content.validate()?;
        let id = self.require_id()?;
        self.secret_set(&id, Some(content), &SecretSettings::default())?;
        self.forget_content();
        Ok(())
    }

    /// Changes the metadata (at least one field): no new revision. Owners only.
    pub fn set_info(&self, settings: SecretSettings) -> Result<(), ModelError> {
        if settings.is_empty() {
            return Err(ModelError::Invalid {
                what: "secret info",
                detail: "give a label, description, expiry or rotation policy".into(),
            });
        }
        let id = self.require_id()?;
        self.secret_set(&id, None, &settings)
    }

    /// Lets the remote application of `relation` (or only `unit` of it) read this secret
    /// (`secret-grant`).
    pub fn grant(
        &self,
        relation: &Relation<'_>,
        unit: Option<&Unit<'_>>,
    ) -> Result<(), ModelError> {
        let id = self.require_id()?;
        self.core
            .backend
            .secret_grant(&id, relation.id(), unit.map(Unit::name))
    }

    /// Takes back what [`grant`](Secret::grant) gave (`secret-revoke`).
    pub fn revoke(
        &self,
        relation: &Relation<'_>,
        unit: Option<&Unit<'_>>,
    ) -> Result<(), ModelError> {
        let id = self.require_id()?;
        self.core
            .backend
            .secret_revoke(&id, relation.id(), unit.map(Unit::name))
    }

    /// Takes the secret back from every unit of the application `app` on `relation`
    /// (`secret-revoke --app`), as Python's `hookcmds.secret_revoke(app=...)`.
    pub fn revoke_app(&self, relation: &Relation<'_>, app: &str) -> Result<(), ModelError> {
        let id = self.require_id()?;
        self.core.backend.secret_revoke_app(&id, relation.id(), app)
    }

    /// Removes one revision (usually the one a `secret-remove` or `secret-expired` event
    /// names).
    pub fn remove_revision(&self, revision: u64) -> Result<(), ModelError> {
        let id = self.require_id()?;
        self.core.backend.secret_remove(&id, Some(revision))
    }

    /// Removes the secret, every revision.
    pub fn remove_all_revisions(&self) -> Result<(), ModelError> {
        let id = self.require_id()?;
        self.core.backend.secret_remove(&id, None)?;
        self.forget_content();
        Ok(())
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests;
