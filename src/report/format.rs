//! How the report writes numbers and text: thousands separators, a true minus sign, intervals
//! in brackets, money in millions, and every piece of user text escaped for HTML and SVG.

/// Escapes text for HTML element content and attribute values (and SVG).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number for a reader: whole numbers with thousands separators from 100 up, otherwise up to
/// two significant decimals; U+2212 for minus.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    let body = if a >= 100.0 || a == a.round() {
        group(&format!("{:.0}", a))
    } else if a >= 10.0 {
        format!("{a:.1}")
    } else if a >= 0.995 {
        format!("{a:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .into()
    } else {
        format!("{a:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .into()
    };
    if v < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("\u{2212}{body}")
    } else {
        body
    }
}

/// A difference, always with its sign (+12, −155, 0).
pub fn signed(v: f64) -> String {
    let s = num(v);
    if v > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{s}")
    } else {
        s
    }
}

/// A whole count with its interval: `1,487 [1,448, 1,526]`.
pub fn with_interval(mean: f64, lo: f64, hi: f64) -> String {
    format!(
        "{} [{}, {}]",
        num(mean.round()),
        num(lo.round()),
        num(hi.round())
    )
}

/// A signed difference with its interval: `−155 [−175, −134]`.
pub fn diff_interval(mean: f64, lo: f64, hi: f64) -> String {
    format!(
        "{} [{}, {}]",
        signed(mean.round()),
        signed(lo.round()),
        signed(hi.round())
    )
}

/// Money: `50.0 m DKK`, `509,297 DKK`.
pub fn dkk(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v.abs() >= 1e6 {
        let m = format!("{:.1}", v.abs() / 1e6);
        let sign = if v < 0.0 { "\u{2212}" } else { "" };
        format!("{sign}{m} m DKK")
    } else {
        format!("{} DKK", num(v.round()))
    }
}

/// A share as a percentage: `51 %`.
pub fn pct(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    format!("{:.0} %", v * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_report() {
        assert_eq!(num(1487.25), "1,487");
        assert_eq!(num(-155.0), "\u{2212}155");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.2), "\u{2212}0.2");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(signed(11.0), "+11");
        assert_eq!(signed(-0.0), "0");
        assert_eq!(
            diff_interval(-155.2, -175.4, -134.0),
            "\u{2212}155 [\u{2212}175, \u{2212}134]"
        );
        assert_eq!(dkk(50_000_000.0), "50.0 m DKK");
        assert_eq!(dkk(-181_300_000.0), "\u{2212}181.3 m DKK");
        assert_eq!(dkk(509_297.4), "509,297 DKK");
        assert_eq!(pct(0.514), "51 %");
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
