//! [`JujuVersion`]: the Juju version running the hook, and the features it has.

use crate::error::ModelError;
use std::cmp::Ordering;
use std::fmt;

/// A Juju version: `M.m[.p|-tagN][.b]` (`3.6.4`, `3.1-beta2`, `2.9.42.1`).
///
/// Ordered as Juju orders them: a tagged pre-release sorts before the release
/// (`3.1-beta2 < 3.1.0`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JujuVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Pre-release tag (`beta` in `3.1-beta2`), empty for a release.
    pub tag: String,
    /// Patch (or the pre-release number).
    pub patch: u32,
    /// Build, 0 when absent.
    pub build: u32,
}

impl JujuVersion {
    /// The version `major.minor.patch`.
    pub fn new(major: u32, minor: u32, patch: u32) -> Self {
        JujuVersion {
            major,
            minor,
            patch,
            ..Default::default()
        }
    }

    fn triple(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }

    /// Relations have application databags (2.7).
    pub fn has_app_data(&self) -> bool {
        self.triple() >= (2, 7, 0)
    }
    /// Juju runs `dispatch` (2.8).
    pub fn is_dispatch_aware(&self) -> bool {
        self.triple() >= (2, 8, 0)
    }
    /// Controller-side charm state (`state-get`/`state-set`) exists (2.8).
    pub fn has_controller_storage(&self) -> bool {
        self.triple() >= (2, 8, 0)
    }
    /// Secrets work as `ops` uses them (3.0.3).
    pub fn has_secrets(&self) -> bool {
        self.triple() >= (3, 0, 3)
    }
    /// `open-port` works on Kubernetes (3.0.3).
    pub fn supports_open_port_on_k8s(&self) -> bool {
        self.triple() >= (3, 0, 3)
    }
    /// Pebble exec takes a service context (3.1.6, except 3.2.0).
    pub fn supports_exec_service_context(&self) -> bool {
        self.triple() >= (3, 1, 6) && self.triple() != (3, 2, 0)
    }
    /// The bundled Pebble forwards logs with labels (3.4).
    pub fn supports_pebble_log_forwarding(&self) -> bool {
        self.triple() >= (3, 4, 0)
    }
    /// The bundled Pebble has identities (3.6.4).
    pub fn supports_pebble_identities(&self) -> bool {
        self.triple() >= (3, 6, 4)
    }
    /// The bundled Pebble serves metrics (3.6.4).
    pub fn supports_pebble_metrics(&self) -> bool {
        self.triple() >= (3, 6, 4)
    }
}

fn number(text: &str, whole: &str) -> Result<u32, ModelError> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(whole));
    }
    text.parse().map_err(|_| invalid(whole))
}

fn invalid(text: &str) -> ModelError {
    ModelError::Invalid {
        what: "Juju version",
        detail: format!("{text:?} is not M.m[.p|-tagN][.b]"),
    }
}

impl std::str::FromStr for JujuVersion {
    type Err = ModelError;
    fn from_str(text: &str) -> Result<Self, ModelError> {
        let (major, rest) = text.split_once('.').ok_or_else(|| invalid(text))?;
        let major = number(major, text)?;
        // minor, then optionally `.patch` or `-tagN`, then optionally `.build`.
        let minor_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let minor = number(&rest[..minor_end], text)?;
        let mut rest = &rest[minor_end..];
        let mut version = JujuVersion::new(major, minor, 0);
        if let Some(tagged) = rest.strip_prefix('-') {
            let tag_end = tagged
                .find(|c: char| !c.is_ascii_lowercase())
                .unwrap_or(tagged.len());
            if tag_end == 0 {
                return Err(invalid(text));
            }
            version.tag = tagged[..tag_end].to_string();
            let after_tag = &tagged[tag_end..];
            let patch_end = after_tag.find('.').unwrap_or(after_tag.len());
            version.patch = number(&after_tag[..patch_end], text)?;
            rest = &after_tag[patch_end..];
        } else if let Some(dotted) = rest.strip_prefix('.') {
            let patch_end = dotted.find('.').unwrap_or(dotted.len());
            version.patch = number(&dotted[..patch_end], text)?;
            rest = &dotted[patch_end..];
        }
        if let Some(build) = rest.strip_prefix('.') {
            version.build = number(build, text)?;
        } else if !rest.is_empty() {
            return Err(invalid(text));
        }
        Ok(version)
    }
}

impl fmt::Display for JujuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tag.is_empty() {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        } else {
            write!(
                f,
                "{}.{}-{}{}",
                self.major, self.minor, self.tag, self.patch
            )?;
        }
        if self.build > 0 {
            write!(f, ".{}", self.build)?;
        }
        Ok(())
    }
}

impl Ord for JujuVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor)
            .cmp(&(other.major, other.minor))
            .then_with(|| match (self.tag.is_empty(), other.tag.is_empty()) {
                (true, true) => Ordering::Equal,
                // A release sorts after any pre-release of the same major.minor.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.tag.cmp(&other.tag),
            })
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| self.build.cmp(&other.build))
    }
}

impl PartialOrd for JujuVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::JujuVersion;

    fn v(text: &str) -> JujuVersion {
        text.parse().unwrap()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(v("3.6.4"), JujuVersion::new(3, 6, 4));
        assert_eq!(v("2.9"), JujuVersion::new(2, 9, 0));
        let beta = v("3.1-beta2");
        assert_eq!((beta.tag.as_str(), beta.patch), ("beta", 2));
        assert_eq!(v("2.9.42.1").build, 1);
        assert_eq!(v("3.1-rc1.5").build, 5);
        for text in ["3.6.4", "3.1-beta2", "2.9.42.1", "3.1-rc1.5", "0.0.0"] {
            assert_eq!(v(text).to_string(), text);
        }
    }

    #[test]
    fn rejects_bad_strings() {
        for bad in [
            "",
            "3",
            "three",
            "3.x",
            "3.6.",
            "3.6.4.",
            "3.6-2",
            "3.6-BETA1",
            "3.6.4.1.2",
            "3.6.4-beta1",
            "1234567890.0",
            " 3.6.4",
            // Garbage from JUJU_VERSION: signs, non-ASCII digits and letters, NUL, gaps.
            "+3.6",
            "-3.6",
            "3.+6",
            "٣.6",
            "3.٦",
            "3.6-bétä1",
            "3.6-beta٢",
            "3.6.\u{0}",
            "3.6-",
            "3.6--1",
            "3..6",
            ".",
            "..",
            "3.6-beta1.",
            "3.6-beta99999999999",
        ] {
            assert!(bad.parse::<JujuVersion>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn the_widest_numbers_still_parse() {
        let widest = v("999999999.999999999-zz999999999.999999999");
        assert_eq!(widest.major, 999_999_999);
        assert_eq!(widest.build, 999_999_999);
    }

    #[test]
    fn orders_tags_before_releases() {
        assert!(v("3.1-beta2") < v("3.1.0"));
        assert!(v("3.1-alpha9") < v("3.1-beta1"));
        assert!(v("3.1-beta1") < v("3.1-beta2"));
        assert!(v("3.1.0") < v("3.1.0.1"));
        assert!(v("2.9.42") < v("3.0.0"));
        assert!(v("3.10.0") > v("3.9.9"));
        assert_eq!(v("3.6").cmp(&v("3.6.0")), std::cmp::Ordering::Equal);
    }

    #[test]
    fn feature_flags_follow_their_versions() {
        assert!(!v("2.6.9").has_app_data());
        assert!(v("2.7.0").has_app_data());
        assert!(v("2.8.0").has_controller_storage() && v("2.8.0").is_dispatch_aware());
        assert!(!v("3.0.2").has_secrets() && v("3.0.3").has_secrets());
        assert!(v("3.0.3").supports_open_port_on_k8s());
        assert!(!v("3.1.5").supports_exec_service_context());
        assert!(v("3.1.6").supports_exec_service_context());
        assert!(!v("3.2.0").supports_exec_service_context());
        assert!(v("3.2.1").supports_exec_service_context());
        assert!(!v("3.3.9").supports_pebble_log_forwarding());
        assert!(v("3.4.0").supports_pebble_log_forwarding());
        assert!(!v("3.6.3").supports_pebble_identities() && v("3.6.4").supports_pebble_metrics());
    }
}
