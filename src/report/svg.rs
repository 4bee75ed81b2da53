//! The report's charts as inline SVG, built here rather than with plotters (whose dependency on
//! `num-traits/std` would switch the model's distributions to platform math, see Cargo.toml).
//! Every chart is a pure function of its data: fixed sizes, fixed number formats, no clock, so
//! the same data give the same bytes. Text is escaped; sizes scale to the page with `viewBox`.

use std::fmt::Write;

use super::format::{esc, num};

/// Colours that stay apart for colour-blind readers (Okabe and Ito), then darker variants; the
/// baseline is always the first (dark grey).
pub const PALETTE: [&str; 12] = [
    "#444444", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#8C6D00",
    "#3A7F9E", "#00664A", "#8F3F00", "#7A4A70",
];

pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// About how wide a label is at 12 px sans-serif (no font metrics offline: a fixed estimate).
pub fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 6.6
}

/// Round tick steps (1, 2, 5 × 10^k) covering `lo..hi` with about `n` ticks.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mut step = 1.0;
    while step > raw {
        step /= 10.0;
    }
    while step * 10.0 <= raw {
        step *= 10.0;
    }
    for m in [1.0, 2.0, 5.0, 10.0] {
        if step * m >= raw {
            step *= m;
            break;
        }
    }
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A linear map from data to pixels.
#[derive(Clone, Copy)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    pub fn at(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.p0 + self.p1) / 2.0;
        }
        self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0)
    }
}

/// Data bounds widened to round ticks, with zero in if `with_zero`.
pub fn bounds(values: impl Iterator<Item = f64>, with_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if with_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi == lo {
        hi = lo + 1.0;
    }
    let t = ticks(lo, hi, 5);
    let step = if t.len() > 1 { t[1] - t[0] } else { hi - lo };
    let lo = if t.first().is_some_and(|&f| f > lo) {
        t[0] - step
    } else {
        lo
    };
    let hi = if t.last().is_some_and(|&l| l < hi) {
        t[t.len() - 1] + step
    } else {
        hi
    };
    (lo, hi)
}

/// An SVG document being written.
pub struct Svg {
    pub out: String,
    pub width: f64,
    pub height: f64,
}

fn f(v: f64) -> String {
    // One decimal is finer than a pixel; fixed format keeps the bytes stable.
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

impl Svg {
    pub fn new(id: &str, title: &str, width: f64, height: f64) -> Svg {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t" font-family="sans-serif" font-size="12"><title id="{id}-t">{t}</title>"#,
            w = f(width),
            h = f(height),
            t = esc(title),
        );
        Svg { out, width, height }
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, w: f64) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"/>"#,
            f(x1),
            f(y1),
            f(x2),
            f(y2),
            f(w)
        );
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, extra: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"{extra}/>"#,
            f(x),
            f(y),
            f(w.max(0.0)),
            f(h.max(0.0))
        );
    }

    pub fn circle(&mut self, x: f64, y: f64, r: f64, fill: &str) {
        let _ = write!(
            self.out,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}"/>"#,
            f(x),
            f(y),
            f(r)
        );
    }

    /// A diamond marker (observations).
    pub fn diamond(&mut self, x: f64, y: f64, r: f64, fill: &str) {
        let _ = write!(
            self.out,
            r#"<path d="M{} {}L{} {}L{} {}L{} {}Z" fill="{fill}"/>"#,
            f(x),
            f(y - r),
            f(x + r),
            f(y),
            f(x),
            f(y + r),
            f(x - r),
            f(y)
        );
    }

    pub fn text(&mut self, x: f64, y: f64, anchor: &str, s: &str, extra: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" text-anchor="{anchor}"{extra}>{}</text>"#,
            f(x),
            f(y),
            esc(s)
        );
    }

    /// A grey caption above or beside a chart (what its axis measures).
    pub fn caption(&mut self, x: f64, y: f64, s: &str) {
        self.text(x, y, "start", s, r##" fill="#555""##);
    }

    /// A polyline through `points`.
    pub fn path(&mut self, points: &[(f64, f64)], stroke: &str, w: f64) {
        if points.is_empty() {
            return;
        }
        let mut d = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, f(*x), f(*y));
        }
        let _ = write!(
            self.out,
            r#"<path d="{d}" fill="none" stroke="{stroke}" stroke-width="{}"/>"#,
            f(w)
        );
    }

    /// A filled band between `upper` (left to right) and `lower` (left to right).
    pub fn band(&mut self, upper: &[(f64, f64)], lower: &[(f64, f64)], fill: &str) {
        if upper.is_empty() {
            return;
        }
        let mut d = String::new();
        for (i, (x, y)) in upper.iter().enumerate() {
            let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { "L" }, f(*x), f(*y));
        }
        for (x, y) in lower.iter().rev() {
            let _ = write!(d, "L{} {}", f(*x), f(*y));
        }
        let _ = write!(
            self.out,
            r#"<path d="{d}Z" fill="{fill}" fill-opacity="0.18" stroke="none"/>"#
        );
    }

    /// Horizontal grid lines with value labels on the left.
    pub fn y_axis(&mut self, y: Scale, x0: f64, x1: f64, label: &str) {
        let (lo, hi) = (y.d0.min(y.d1), y.d0.max(y.d1));
        for t in ticks(lo, hi, 5) {
            let py = y.at(t);
            self.line(x0, py, x1, py, "#e4e4e4", 1.0);
            self.text(x0 - 6.0, py + 4.0, "end", &num(t), "");
        }
        if !label.is_empty() {
            self.caption(x0, y.p1.min(y.p0) - 10.0, label);
        }
    }

    /// Vertical grid lines with value labels below.
    pub fn x_axis(&mut self, x: Scale, y0: f64, y1: f64, label: &str, signed: bool) {
        let (lo, hi) = (x.d0.min(x.d1), x.d0.max(x.d1));
        for t in ticks(lo, hi, 5) {
            let px = x.at(t);
            self.line(px, y0, px, y1, "#e4e4e4", 1.0);
            let s = if signed {
                super::format::signed(t)
            } else {
                num(t)
            };
            self.text(px, y1 + 16.0, "middle", &s, "");
        }
        if !label.is_empty() {
            self.text(
                (x.p0 + x.p1) / 2.0,
                y1 + 34.0,
                "middle",
                label,
                r##" fill="#555""##,
            );
        }
    }

    /// A legend of coloured keys, wrapped into rows across the width; returns its height.
    pub fn legend(&mut self, x0: f64, y0: f64, items: &[(String, &str)]) -> f64 {
        let (mut x, mut y) = (x0, y0);
        for (label, colour) in items {
            let w = 18.0 + text_width(label) + 16.0;
            if x + w > self.width - 10.0 && x > x0 {
                x = x0;
                y += 18.0;
            }
            self.rect(x, y - 9.0, 12.0, 12.0, colour, "");
            self.text(x + 16.0, y + 1.0, "start", label, r#" class="legend""#);
            x += w;
        }
        y - y0 + 18.0
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// Height a legend of `items` takes at `width`.
pub fn legend_height(width: f64, x0: f64, items: &[(String, &str)]) -> f64 {
    let mut x = x0;
    let mut rows = 1.0;
    for (label, _) in items {
        let w = 18.0 + text_width(label) + 16.0;
        if x + w > width - 10.0 && x > x0 {
            x = x0;
            rows += 1.0;
        }
        x += w;
    }
    rows * 18.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 1000.0, 5),
            vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]
        );
        let t = ticks(-187.0, 12.0, 5);
        assert_eq!(t, vec![-150.0, -100.0, -50.0, 0.0]);
        let t: Vec<String> = ticks(0.0, 0.37, 4).into_iter().map(num).collect();
        assert_eq!(t, ["0", "0.1", "0.2", "0.3"]);
    }

    #[test]
    fn text_is_escaped_in_svg() {
        let mut s = Svg::new("x", "<b>", 100.0, 50.0);
        s.text(1.0, 2.0, "start", "<script>alert(1)</script>", "");
        let out = s.finish();
        assert!(!out.contains("<script>") && !out.contains("<b>"));
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
