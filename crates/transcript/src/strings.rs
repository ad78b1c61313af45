//! Small string helpers that must exist once in the workspace: the stable hash, the slug and
//! hiding a URL's userinfo. Pure, so every crate (protocol crates, the app, the stand-in) can
//! use them.

/// 64-bit FNV-1a: stable across runs, builds and platforms (std's hasher is not), so it can
/// name things that must stay the same, such as a notice's transaction id or a sender's colour.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Discourse-style slug: ASCII letters and digits, lowercased, runs of anything else become one
/// `-`, no dash at either end. May be empty (a title of only symbols); callers pick a fallback.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    out
}

/// `scheme://user:pass@host/…` → `scheme://host/…`: how a URL may be shown in errors and logs
/// (a password in a homeserver URL must not reach either). Text that is not a URL is unchanged.
pub fn strip_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        // From the FNV reference test suite: fixed values, not a comparison with itself.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Build <broken> & \"why\"?"), "build-broken-why");
        assert_eq!(slug("  Weekly sync: 2026-11-25 "), "weekly-sync-2026-11-25");
        assert_eq!(slug("Ünïcode café"), "n-code-caf");
        assert_eq!(slug("!!!"), "");
    }

    #[test]
    fn userinfo_is_hidden() {
        assert_eq!(
            strip_userinfo("http://user:pass@host:8008/_matrix?x=@y"),
            "http://host:8008/_matrix?x=@y"
        );
        assert_eq!(strip_userinfo("https://a@b@host"), "https://host");
        assert_eq!(strip_userinfo("https://matrix.org/"), "https://matrix.org/");
        assert_eq!(strip_userinfo("matrix.org"), "matrix.org");
        assert_eq!(
            strip_userinfo("https://host/path/@me"),
            "https://host/path/@me"
        );
    }
}
