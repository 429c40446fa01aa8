//! "Did you mean" suggestions for misspelled names.

/// The candidate closest to `wrong`, if one is close enough to be a plausible typo.
pub fn nearest<'a, I>(wrong: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let norm = |s: &str| s.replace(['-', '_'], "").to_ascii_lowercase();
    let wrong_norm = norm(wrong);
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = if norm(candidate) == wrong_norm {
            1.0
        } else {
            strsim::jaro_winkler(wrong, candidate)
        };
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `"; did you mean `x`?"` or nothing.
pub fn did_you_mean<'a, I>(wrong: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match nearest(wrong, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

/// A comma-separated list of names, or `none` when empty.
pub fn list<'a, I>(names: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let names: Vec<&str> = names.into_iter().collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["database", "fastapi-peer", "ingress"];
        assert_eq!(nearest("databse", names), Some("database"));
        assert_eq!(nearest("fastapi_peer", names), Some("fastapi-peer"));
        assert_eq!(nearest("zzz", names), None);
        assert_eq!(did_you_mean("ingres", names), "; did you mean `ingress`?");
        assert_eq!(list([]), "none");
        assert_eq!(list(["a", "b"]), "a, b");
    }
}
