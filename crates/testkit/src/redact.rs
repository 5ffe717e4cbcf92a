//! Redaction of what varies between runs (temporary paths, commit ids,
//! times) from CLI output before it is compared with a snapshot.

/// Replaces RFC 3339 UTC times (`2026-11-25T10:28:27Z`, optionally with
/// fractional seconds) by `[TIME]`.
pub fn redact_times(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if let Some(len) = time_at(&b[i..]) {
            out.push_str(&text[copied..i]);
            out.push_str("[TIME]");
            i += len;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The length of an RFC 3339 UTC time at the start of `b`, if there is one.
fn time_at(b: &[u8]) -> Option<usize> {
    // dddd-dd-ddTdd:dd:dd
    const PATTERN: &[u8] = b"0000-00-00T00:00:00";
    if b.len() < PATTERN.len() + 1 {
        return None;
    }
    for (c, p) in b.iter().zip(PATTERN) {
        let ok = if *p == b'0' {
            c.is_ascii_digit()
        } else {
            c == p
        };
        if !ok {
            return None;
        }
    }
    let mut n = PATTERN.len();
    if b.get(n) == Some(&b'.') {
        n += 1;
        while b.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    (b.get(n) == Some(&b'Z')).then_some(n + 1)
}

/// A list of literal replacements (longest first) followed by time
/// redaction.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    pairs: Vec<(String, String)>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces `from` by `to`.
    pub fn replace(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        let from = from.into();
        assert!(!from.is_empty(), "cannot redact the empty string");
        self.pairs.push((from, to.into()));
        self
    }

    /// Replaces a full commit id and its 12- and 7-digit short forms by
    /// `[label]`.
    pub fn commit(self, id: &str, label: &str) -> Self {
        let tag = format!("[{label}]");
        let mut r = self.replace(id, tag.clone());
        for n in [12, 7] {
            if id.len() > n {
                r = r.replace(&id[..n], tag.clone());
            }
        }
        r
    }

    pub fn apply(&self, text: &str) -> String {
        let mut pairs = self.pairs.clone();
        pairs.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        let mut s = text.to_string();
        for (from, to) in &pairs {
            s = s.replace(from.as_str(), to);
        }
        redact_times(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(
            redact_times("at 2026-11-25T10:28:27Z and 2026-11-25T10:28:27.123Z."),
            "at [TIME] and [TIME]."
        );
        assert_eq!(redact_times("2026-11-25 no"), "2026-11-25 no");
        assert_eq!(redact_times("2026-11-25T10:28:27"), "2026-11-25T10:28:27");
    }

    #[test]
    fn longest_first() {
        let r = Redactor::new()
            .replace("/tmp/a", "[A]")
            .replace("/tmp/a/b", "[B]");
        assert_eq!(r.apply("/tmp/a/b/c /tmp/a/x"), "[B]/c [A]/x");
    }
}
