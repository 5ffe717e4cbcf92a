//! Content-coding negotiation: which of the encodings a response has on
//! offer (brotli, gzip, none) a request's `Accept-Encoding` allows, with
//! q-values (`br;q=0` refuses brotli) and `*` for codings it does not name.

use axum::http::{header, HeaderMap};

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Br,
    Gzip,
    Identity,
}

impl Coding {
    /// The token in `Content-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Br => "br",
            Coding::Gzip => "gzip",
            Coding::Identity => "identity",
        }
    }
}

/// The q-values (in thousandths) a request gives each coding it names.
#[derive(Debug, Default)]
struct Weights {
    br: Option<u16>,
    gzip: Option<u16>,
    identity: Option<u16>,
    any: Option<u16>,
}

/// `q=0.5` as 500; `None` for a value outside the grammar (`0` to `1` with
/// at most three decimals), which makes the whole element ignored.
fn qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

fn weights(headers: &HeaderMap) -> Option<Weights> {
    let mut values = headers.get_all(header::ACCEPT_ENCODING).iter().peekable();
    values.peek()?;
    let mut w = Weights::default();
    for element in values
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = element.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let mut q = Some(1000);
        for param in parts {
            if let Some((k, v)) = param.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = qvalue(v.trim());
                }
            }
        }
        let Some(q) = q else { continue };
        let slot = match name.as_str() {
            "br" => &mut w.br,
            "gzip" | "x-gzip" => &mut w.gzip,
            "identity" => &mut w.identity,
            "*" => &mut w.any,
            _ => continue,
        };
        *slot = Some(slot.map_or(q, |old: u16| old.max(q)));
    }
    Some(w)
}

/// The coding to send, among `offered` (identity is always possible):
/// the accepted coding with the highest q-value, brotli before gzip on a
/// tie, identity when the request has no `Accept-Encoding`, accepts none
/// of them, or explicitly prefers identity.
pub fn choose(headers: &HeaderMap, offered: &[Coding]) -> Coding {
    let Some(w) = weights(headers) else {
        return Coding::Identity;
    };
    let mut best = (Coding::Identity, 0);
    for (coding, named) in [(Coding::Br, w.br), (Coding::Gzip, w.gzip)] {
        if !offered.contains(&coding) {
            continue;
        }
        let q = named.or(w.any).unwrap_or(0);
        if q > best.1 {
            best = (coding, q);
        }
    }
    match w.identity {
        Some(q) if q > best.1 => Coding::Identity,
        _ => best.0,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn pick(values: &[&str], offered: &[Coding]) -> Coding {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        choose(&h, offered)
    }

    const ALL: &[Coding] = &[Coding::Br, Coding::Gzip];

    #[test]
    fn negotiation() {
        use Coding::*;
        assert_eq!(pick(&[], ALL), Identity);
        assert_eq!(pick(&[""], ALL), Identity);
        assert_eq!(pick(&["gzip, deflate, br, zstd"], ALL), Br);
        assert_eq!(pick(&["gzip, deflate, br"], &[Gzip]), Gzip);
        assert_eq!(pick(&["gzip, deflate, br"], &[]), Identity);
        assert_eq!(pick(&["br;q=0, gzip"], ALL), Gzip);
        assert_eq!(pick(&["BR;Q=0.000, GZip;q=1.0"], ALL), Gzip);
        assert_eq!(pick(&["gzip;q=0, br;q=0"], ALL), Identity);
        assert_eq!(pick(&["gzip;q=1, br;q=0.5"], ALL), Gzip);
        assert_eq!(pick(&["br;q=0.2, gzip;q=0.1"], ALL), Br);
        assert_eq!(pick(&["x-gzip"], ALL), Gzip);
        assert_eq!(pick(&["*"], ALL), Br);
        assert_eq!(pick(&["*;q=0.5, br;q=0"], ALL), Gzip);
        assert_eq!(pick(&["*;q=0"], ALL), Identity);
        assert_eq!(pick(&["identity"], ALL), Identity);
        assert_eq!(pick(&["identity;q=1, gzip;q=0.5"], ALL), Identity);
        assert_eq!(pick(&["identity;q=0.1, gzip;q=0.5"], ALL), Gzip);
        assert_eq!(pick(&["deflate", "gzip"], ALL), Gzip);
        // A q-value outside the grammar drops the element.
        assert_eq!(pick(&["br;q=2, gzip"], ALL), Gzip);
        assert_eq!(pick(&["br;q=abc"], ALL), Identity);
        assert_eq!(pick(&["br;q=0.0001, gzip;q=0.001"], ALL), Gzip);
    }
}
