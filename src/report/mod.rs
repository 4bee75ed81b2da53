//! `report.html`: one self-contained page for planners, written at the end of `hjemsim batch`,
//! `merge` and `run`, and again by `hjemsim report DIR`. It reads only the folder's tables
//! ([`data`]), draws inline SVG ([`svg`]) and writes plain HTML with inline CSS: no script, font
//! or image from anywhere, readable printed and on a phone. Every chart has a one-sentence
//! reading under it, computed from the same numbers. The page is a pure function of the tables
//! and the manifest's inputs (no clock, no runtime figures), so the same inputs give the same
//! bytes. All text from scenario files (names, descriptions, notes) is escaped.
//!
//! Must never: run or re-run a simulation, or read anything outside the folder but the VIVE
//! counts compiled in from `scenarios/calibration/targets.toml`.

pub mod data;
pub mod format;
pub mod svg;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use data::{Estimate, Folder, number};
use format::{diff_interval, dkk, esc, num, pct, signed, with_interval};
use svg::{Scale, Svg, bounds, colour, legend_height, text_width};

use crate::error::Error;

/// Writes `report.html` into `dir` from its tables (whole or not at all).
pub fn write(dir: &Path) -> Result<(), Error> {
    let html = render(dir)?;
    crate::output::write_atomic(&dir.join("report.html"), html.as_bytes())?;
    Ok(())
}

/// The report of the batch or run folder `dir`.
pub fn render(dir: &Path) -> Result<String, Error> {
    let folder = data::read(dir)?;
    Ok(page(&folder))
}

const WIDTH: f64 = 760.0;

const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0; color: #1d1d1d; background: #fff; line-height: 1.45; }
main { max-width: 800px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
p.lead { font-size: 1.05rem; }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.95rem; margin-top: 0.3rem; }
figcaption strong { font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; }
th { font-weight: 600; font-size: 0.8rem; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
.note { color: #555; font-size: 0.85rem; }
.key { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; vertical-align: baseline; }
ul.summary li { margin: 0.2rem 0; }
footer { margin-top: 2rem; border-top: 1px solid #ddd; padding-top: 0.5rem; font-size: 0.8rem; color: #444; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0; }
footer dt { font-weight: 600; }
footer dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 600px) { main { padding: 0.5rem; } table { font-size: 0.75rem; } }
@media print { main { max-width: none; } h2 { break-after: avoid; } .scroll { overflow: visible; } table { font-size: 0.7rem; } tr { break-inside: avoid; } }
"#;

/// One figure: a chart (or table) and its reading.
struct Figure {
    id: &'static str,
    /// Whether every scenario of the folder is shown (the legend or rows name each).
    per_scenario: bool,
    body: String,
    reading: String,
}

fn figure(out: &mut String, f: Figure) {
    let class = if f.per_scenario {
        "chart per-scenario"
    } else {
        "chart"
    };
    let _ = write!(
        out,
        r#"<figure class="{class}" id="fig-{id}" data-chart="{id}">{body}<figcaption>{reading}</figcaption></figure>"#,
        id = f.id,
        body = f.body,
        reading = f.reading,
    );
}

fn page(f: &Folder) -> String {
    let mut body = String::new();
    let year = f.report_year();
    let _ = write!(
        body,
        "<header><h1>{}</h1><p class=\"lead\">{}</p></header>",
        esc(&f.name),
        esc(&f.description)
    );
    let mut short = Vec::new();
    let mut sections = String::new();
    effects(&mut sections, f, year, &mut short);
    over_time(&mut sections, f, &mut short);
    sleeping(&mut sections, f, year);
    support(&mut sections, f, &mut short);
    who_pays(&mut sections, f);
    rollout(&mut sections, f, &mut short);
    history(&mut sections, f, &mut short);
    assumptions(&mut sections, f);
    scenarios(&mut sections, f);

    body.push_str("<section id=\"in-short\"><h2>In short</h2><ul class=\"summary\">");
    for s in &short {
        let _ = write!(body, "<li>{s}</li>");
    }
    let replicates = f.estimate(f.baseline(), "homeless_end").map_or(0, |e| e.n);
    let _ = write!(
        body,
        "</ul><p class=\"note\">Every figure is a mean over {replicates} replicates. Intervals in brackets are 95 % confidence intervals of that mean; differences against the baseline are paired (each replicate of every scenario meets the same people and the same luck), which is why they are narrower than the spread of each scenario.{}</p></section>",
        if f.with_posterior {
            " Replicates here also draw the model's parameters from the calibration's posterior, so the wider range of one replicate's difference includes what we do not know about the parameters."
        } else {
            " The parameters are the calibrated medians: the intervals hold the model's chance, not what we do not know about its parameters (run the batch with --posterior for that)."
        }
    );
    body.push_str(&sections);

    body.push_str("<footer><h2>Provenance</h2><dl>");
    for (k, v) in &f.provenance {
        let _ = write!(body, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    }
    body.push_str("</dl><p>The same inputs and binary give this page byte for byte; `hjemsim report DIR` writes it again from the folder's tables.</p></footer>");

    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} — hjemsim report</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n",
        esc(&f.name)
    )
}

/// Room for row labels at the left of a chart: the widest label, at least 80 and at most 300
/// pixels, plus a gap.
fn label_width<'a>(labels: impl Iterator<Item = &'a str>) -> f64 {
    labels.map(text_width).fold(80.0, f64::max).min(300.0) + 16.0
}

/// A horizontal scale from `left` to the page's right margin.
fn x_scale(lo: f64, hi: f64, left: f64) -> Scale {
    Scale {
        d0: lo,
        d1: hi,
        p0: left,
        p1: WIDTH - 20.0,
    }
}

/// Scenarios with their colour index (the baseline is 0).
fn labels(f: &Folder) -> Vec<(usize, &str)> {
    f.scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.label.as_str()))
        .collect()
}

fn the_count(year: Option<i32>) -> String {
    year.map_or("the count".into(), |y| format!("the {y} count"))
}

// ---- Effects ---------------------------------------------------------------------------------

fn effects(out: &mut String, f: &Folder, year: Option<i32>, short: &mut Vec<String>) {
    out.push_str("<section id=\"effects\"><h2>What each scenario changes</h2>");
    let Some(y) = year else {
        out.push_str("<p>These results hold no week-6 count (the months reported include no February).</p></section>");
        return;
    };
    let metric = format!("pit_18_29_{y}");
    if !f.is_batch || f.scenarios.len() < 2 {
        let e = f.estimate(f.baseline(), &metric);
        let _ = write!(
            out,
            "<p>One scenario, nothing to compare it with: {} young people aged 18–29 are homeless in {}. <code>hjemsim batch</code> compares scenarios against a baseline.</p></section>",
            e.map_or("–".into(), |e| with_interval(e.mean, e.low, e.high)),
            the_count(year)
        );
        if let Some(e) = e {
            short.push(format!(
                "{} young people aged 18–29 are homeless in {} [95 % CI].",
                with_interval(e.mean, e.low, e.high),
                the_count(year)
            ));
        }
        return;
    }
    let rows: Vec<(usize, &str, data::Effect)> = labels(f)
        .into_iter()
        .skip(1)
        .filter_map(|(i, l)| f.effect(l, &metric).map(|e| (i, l, e)))
        .collect();
    let base = f.estimate(f.baseline(), &metric);
    // The chart: a paired interval per scenario, and the range of one replicate with posteriors.
    let label_w = label_width(rows.iter().map(|r| r.1));
    let row_h = 26.0;
    let top = 30.0;
    let height = top + row_h * rows.len() as f64 + 50.0;
    let values = rows.iter().flat_map(|r| {
        let mut v = vec![r.2.low, r.2.high, r.2.mean];
        if f.with_posterior {
            v.extend([r.2.range.0, r.2.range.1]);
        }
        v
    });
    let (lo, hi) = bounds(values, true);
    let x = x_scale(lo, hi, label_w);
    let mut s = Svg::new(
        "effects",
        &format!("Change in {} against the baseline", the_count(year)),
        WIDTH,
        height,
    );
    s.caption(
        label_w,
        16.0,
        &format!(
            "Young people homeless in {}, difference from {} (95 % paired CI)",
            the_count(year),
            f.baseline()
        ),
    );
    s.x_axis(x, top - 6.0, top + row_h * rows.len() as f64, "", true);
    s.line(
        x.at(0.0),
        top - 6.0,
        x.at(0.0),
        top + row_h * rows.len() as f64,
        "#222",
        1.2,
    );
    for (k, (i, l, e)) in rows.iter().enumerate() {
        let cy = top + row_h * (k as f64 + 0.5);
        s.text(label_w - 8.0, cy + 4.0, "end", l, r#" class="label""#);
        if f.with_posterior {
            s.line(x.at(e.range.0), cy, x.at(e.range.1), cy, colour(*i), 1.2);
        }
        s.line(x.at(e.low), cy, x.at(e.high), cy, colour(*i), 5.0);
        s.circle(x.at(e.mean), cy, 5.0, colour(*i));
        s.circle(x.at(e.mean), cy, 2.2, "#fff");
    }
    let best = rows
        .iter()
        .min_by(|a, b| a.2.mean.total_cmp(&b.2.mean))
        .copied();
    let clear = rows.iter().filter(|r| r.2.high < 0.0).count();
    let mut reading = match best {
        Some((_, l, e)) if e.mean < 0.0 => format!(
            "<strong>{} lowers {} most: {}</strong> young people against {} in the baseline. {} of {} scenarios lower it with a paired interval below zero.",
            esc(l),
            the_count(year),
            diff_interval(e.mean, e.low, e.high),
            base.map_or("–".into(), |b| num(b.mean.round())),
            clear,
            rows.len()
        ),
        _ => format!(
            "No scenario lowers {} on average (baseline {}).",
            the_count(year),
            base.map_or("–".into(), |b| num(b.mean.round()))
        ),
    };
    if f.with_posterior {
        reading.push_str(" Thin lines: the 95 % range of one replicate's difference over posterior draws (parameter uncertainty included).");
    }
    if let Some((_, l, e)) = best.filter(|b| b.2.mean < 0.0) {
        short.push(format!(
            "{} lowers {} most: {} young people (baseline {}).",
            esc(l),
            the_count(year),
            diff_interval(e.mean, e.low, e.high),
            base.map_or("–".into(), |b| num(b.mean.round()))
        ));
    }

    // The table beside it: effect, money a year, cost per homeless month avoided.
    let years = f.years();
    let ce = |scenario: &str, payer: &str, col: &str| -> f64 {
        f.cost_effectiveness
            .records()
            .find(|r| r.get("scenario") == Some(&scenario) && r.get("payer") == Some(&payer))
            .and_then(|r| r.get(col).map(|v| number(v)))
            .unwrap_or(f64::NAN)
    };
    let mut table = String::from(
        "<div class=\"scroll\"><table><thead><tr><th>scenario</th><th class=\"n\">change [95 % CI]</th>",
    );
    if f.with_posterior {
        table.push_str("<th class=\"n\">range with parameter uncertainty</th>");
    }
    table.push_str("<th class=\"n\">homeless months avoided a year</th><th class=\"n\">budget a year</th><th class=\"n\">net cost a year</th><th class=\"n\">net cost per month avoided</th></tr></thead><tbody>");
    let mut cheapest: Option<(&str, f64)> = None;
    for (i, l, e) in &rows {
        let avoided = ce(l, "total", "homeless_months_avoided");
        let cost = ce(l, "total", "cost_difference_dkk");
        let per = ce(l, "total", "dkk_per_homeless_month_avoided");
        let spent = f
            .estimate(l, "budget_spend_dkk")
            .map_or(f64::NAN, |e| e.mean / years);
        if per.is_finite() && avoided > 0.0 && cheapest.is_none_or(|c| per < c.1) {
            cheapest = Some((l, per));
        }
        let _ = write!(
            table,
            "<tr><td><span class=\"key\" style=\"background:{}\"></span>{}</td><td class=\"n\">{}</td>",
            colour(*i),
            esc(l),
            diff_interval(e.mean, e.low, e.high)
        );
        if f.with_posterior {
            let _ = write!(
                table,
                "<td class=\"n\">{} to {}</td>",
                signed(e.range.0.round()),
                signed(e.range.1.round())
            );
        }
        let _ = write!(
            table,
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            num((avoided / years).round()),
            dkk(spent),
            dkk(cost / years),
            if per.is_finite() {
                dkk(per)
            } else {
                "–".into()
            }
        );
    }
    table.push_str("</tbody></table></div>");
    if let Some((l, per)) = cheapest {
        let _ = write!(
            reading,
            " Per homeless month avoided, <strong>{}</strong> costs all payers least: {} (net of shelter and other savings).",
            esc(l),
            dkk(per)
        );
    }
    figure(
        out,
        Figure {
            id: "effects",
            per_scenario: true,
            body: s.finish() + &table,
            reading,
        },
    );
    out.push_str("</section>");
}

// ---- Over time -------------------------------------------------------------------------------

/// One line of a chart over months: colour index, label, and the months with their estimates.
type MonthLine<'a> = (usize, String, &'a Vec<(String, Estimate)>);

/// A line chart over months with 95 % bands, one line per (colour, label, points).
fn months_chart(id: &str, title: &str, y_label: &str, lines: &[MonthLine]) -> String {
    let months: Vec<&str> = lines
        .first()
        .map(|l| l.2.iter().map(|(m, _)| m.as_str()).collect())
        .unwrap_or_default();
    let items: Vec<(String, &str)> = lines.iter().map(|l| (l.1.clone(), colour(l.0))).collect();
    let legend_h = legend_height(WIDTH, 60.0, &items);
    let (top, plot_h) = (30.0, 280.0);
    let height = top + plot_h + 40.0 + legend_h + 10.0;
    // Lines, not bars: the axis need not start at zero, and the differences are what matter.
    let (lo, hi) = bounds(
        lines
            .iter()
            .flat_map(|l| l.2.iter().flat_map(|(_, e)| [e.low, e.high])),
        false,
    );
    let x = Scale {
        d0: 0.0,
        d1: (months.len().max(2) - 1) as f64,
        p0: 60.0,
        p1: WIDTH - 20.0,
    };
    let y = Scale {
        d0: lo,
        d1: hi,
        p0: top + plot_h,
        p1: top,
    };
    let mut s = Svg::new(id, title, WIDTH, height);
    s.y_axis(y, 60.0, WIDTH - 20.0, y_label);
    // Year ticks at each January (every other year when there are many).
    let januaries: Vec<(usize, &str)> = months
        .iter()
        .enumerate()
        .filter(|(_, m)| m.ends_with("-01"))
        .map(|(k, m)| (k, &m[..4]))
        .collect();
    let every = januaries.len().div_ceil(12).max(1);
    for (n, (k, yr)) in januaries.iter().enumerate() {
        let px = x.at(*k as f64);
        s.line(px, top + plot_h, px, top + plot_h + 4.0, "#888", 1.0);
        if n % every == 0 {
            s.text(px, top + plot_h + 18.0, "middle", yr, "");
        }
    }
    s.line(60.0, top + plot_h, WIDTH - 20.0, top + plot_h, "#888", 1.0);
    for (c, _, points) in lines {
        let upper: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .map(|(k, (_, e))| (x.at(k as f64), y.at(e.high)))
            .collect();
        let lower: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .map(|(k, (_, e))| (x.at(k as f64), y.at(e.low)))
            .collect();
        s.band(&upper, &lower, colour(*c));
    }
    for (c, _, points) in lines {
        let mid: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .map(|(k, (_, e))| (x.at(k as f64), y.at(e.mean)))
            .collect();
        s.path(&mid, colour(*c), if *c == 0 { 2.4 } else { 1.6 });
    }
    s.legend(60.0, top + plot_h + 44.0, &items);
    s.finish()
}

fn over_time(out: &mut String, f: &Folder, short: &mut Vec<String>) {
    out.push_str("<section id=\"over-time\"><h2>Youth homelessness over time</h2>");
    let lines: Vec<MonthLine> = labels(f)
        .into_iter()
        .filter_map(|(i, l)| {
            f.series
                .get(&(l.to_string(), "homeless".to_string()))
                .map(|v| (i, l.to_string(), v))
        })
        .collect();
    if lines.is_empty() {
        out.push_str("<p>This folder has no series.csv (written by hjemsim 0.1 since the report was added): rerun it to see the months.</p></section>");
        return;
    }
    let svg = months_chart(
        "over-time",
        "Young people homeless each month",
        "young people homeless (sofa, shelter, street), mean and 95 % CI",
        &lines,
    );
    let last = |k: usize| lines[k].2.last().map(|(m, e)| (m.clone(), *e));
    let mut reading = String::new();
    if let Some((month, b)) = last(0) {
        let _ = write!(
            reading,
            "In {month}, <strong>{}</strong> young people are homeless in {}",
            with_interval(b.mean, b.low, b.high),
            esc(&lines[0].1)
        );
        let lowest = (1..lines.len())
            .filter_map(|k| last(k).map(|(_, e)| (k, e)))
            .min_by(|a, b| a.1.mean.total_cmp(&b.1.mean));
        match lowest {
            Some((k, e)) => {
                let _ = write!(
                    reading,
                    "; {} has the fewest: {}.",
                    esc(&lines[k].1),
                    with_interval(e.mean, e.low, e.high)
                );
            }
            None => reading.push('.'),
        }
        let first = lines[0].2.first().map(|(m, e)| (m.clone(), e.mean));
        if let Some((m0, v0)) = first {
            let _ = write!(
                reading,
                " The baseline starts at {} in {m0}.",
                num(v0.round())
            );
            short.push(format!(
                "In the baseline, youth homelessness goes from {} in {m0} to {} in {month}.",
                num(v0.round()),
                num(b.mean.round())
            ));
        }
    }
    figure(
        out,
        Figure {
            id: "over-time",
            per_scenario: true,
            body: svg,
            reading,
        },
    );
    out.push_str("</section>");
}

// ---- Where they sleep ------------------------------------------------------------------------

const SITUATIONS: [(&str, &str); 4] = [
    ("sofa", "#56B4E9"),
    ("shelter", "#E69F00"),
    ("street", "#D55E00"),
    ("other", "#999999"),
];

/// Horizontal stacked bars: one row per (colour index, label, parts), parts in `keys` order;
/// negative parts stack to the left of zero.
fn stacked_bars(
    id: &str,
    title: &str,
    axis: &str,
    keys: &[(&str, &str)],
    rows: &[(usize, String, Vec<f64>)],
    signed_axis: bool,
) -> String {
    let label_w = label_width(rows.iter().map(|r| r.1.as_str()));
    let items: Vec<(String, &str)> = keys.iter().map(|(k, c)| (k.to_string(), *c)).collect();
    let legend_h = legend_height(WIDTH, label_w, &items);
    let row_h = 24.0;
    let top = 28.0 + legend_h;
    let height = top + row_h * rows.len() as f64 + 44.0;
    let ends = rows.iter().flat_map(|r| {
        let pos: f64 = r.2.iter().filter(|v| **v > 0.0).sum();
        let neg: f64 = r.2.iter().filter(|v| **v < 0.0).sum();
        [pos, neg]
    });
    let (lo, hi) = bounds(ends, true);
    let x = x_scale(lo, hi, label_w);
    let mut s = Svg::new(id, title, WIDTH, height);
    s.caption(label_w, 14.0, axis);
    s.legend(label_w, 20.0 + 9.0, &items);
    s.x_axis(
        x,
        top - 4.0,
        top + row_h * rows.len() as f64,
        "",
        signed_axis,
    );
    for (k, (c, label, parts)) in rows.iter().enumerate() {
        let y0 = top + row_h * k as f64 + 4.0;
        s.text(label_w - 8.0, y0 + 12.0, "end", label, r#" class="label""#);
        let (mut pos, mut neg) = (0.0, 0.0);
        for (v, (_, fill)) in parts.iter().zip(keys) {
            let (a, b) = if *v >= 0.0 {
                pos += v;
                (pos - v, pos)
            } else {
                neg += v;
                (neg, neg - v)
            };
            s.rect(x.at(a), y0, x.at(b) - x.at(a), row_h - 8.0, fill, "");
        }
        let _ = c;
    }
    s.line(
        x.at(0.0),
        top - 4.0,
        x.at(0.0),
        top + row_h * rows.len() as f64,
        "#222",
        1.0,
    );
    s.finish()
}

fn sleeping(out: &mut String, f: &Folder, year: Option<i32>) {
    out.push_str("<section id=\"sleeping\"><h2>Where young homeless people sleep</h2>");
    let Some(y) = year else {
        out.push_str("<p>No week-6 count in these months.</p></section>");
        return;
    };
    // Mean over replicates of each situation, both age bands.
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut reps: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let ys = y.to_string();
    for r in f.pit.records() {
        if r.get("year") != Some(&ys.as_str()) {
            continue;
        }
        let sc = r.get("scenario").unwrap_or(&"").to_string();
        reps.entry(sc.clone())
            .or_default()
            .insert(r.get("replicate").unwrap_or(&"").to_string());
        let situation = r.get("situation").unwrap_or(&"").to_string();
        let count = number(r.get("count").unwrap_or(&"0"));
        if r.get("age_band") == Some(&"18-24") {
            *sums
                .entry((format!("{sc}\u{0}18-24"), situation.clone()))
                .or_default() += count;
        }
        *sums.entry((sc, situation)).or_default() += count;
    }
    let rows: Vec<(usize, String, Vec<f64>)> = labels(f)
        .into_iter()
        .map(|(i, l)| {
            let n = reps.get(l).map_or(1, |s| s.len().max(1)) as f64;
            let parts = SITUATIONS
                .iter()
                .map(|(sit, _)| sums.get(&(l.to_string(), sit.to_string())).unwrap_or(&0.0) / n)
                .collect();
            (i, l.to_string(), parts)
        })
        .collect();
    let svg = stacked_bars(
        "sleeping",
        &format!("Where young homeless people sleep in {}", the_count(year)),
        &format!(
            "young people homeless in {} by where they sleep (mean)",
            the_count(year)
        ),
        &SITUATIONS,
        &rows,
        false,
    );
    let b = &rows[0].2;
    let total: f64 = b.iter().sum();
    let share = |k: usize| if total > 0.0 { b[k] / total } else { f64::NAN };
    let mut reading = format!(
        "In {} of {}, {} of the young homeless sleep on a friend's or relative's sofa, {} in a shelter, {} on the street and {} elsewhere (hotels, awaiting release or discharge).",
        the_count(year),
        esc(&rows[0].1),
        pct(share(0)),
        pct(share(1)),
        pct(share(2)),
        pct(share(3))
    );
    // Beside VIVE's latest count of where 18-24s sleep (compiled in from the targets).
    let young = |sit: &str| {
        sums.get(&(format!("{}\u{0}18-24", f.baseline()), sit.to_string()))
            .copied()
            .unwrap_or(0.0)
    };
    let young_total: f64 = SITUATIONS.iter().map(|(sit, _)| young(sit)).sum();
    let targets = vive_counts();
    let observed = |metric: String| targets.iter().find(|t| t.1 == metric).map(|t| t.2);
    let latest = targets
        .iter()
        .filter_map(|t| t.1.strip_prefix("sofa_share_18_24_")?.parse::<i32>().ok())
        .max();
    if let Some(vy) = latest
        && young_total > 0.0
        && let (Some(sofa), Some(shelter)) = (
            observed(format!("sofa_share_18_24_{vy}")),
            observed(format!("shelter_share_18_24_{vy}")),
        )
    {
        let _ = write!(
            reading,
            " Among 18–24s: {} on a sofa and {} in a shelter; VIVE counted {} and {} in {vy}.",
            pct(young("sofa") / young_total),
            pct(young("shelter") / young_total),
            pct(sofa),
            pct(shelter)
        );
    }
    figure(
        out,
        Figure {
            id: "sleeping",
            per_scenario: true,
            body: svg,
            reading,
        },
    );
    out.push_str("</section>");
}

// ---- Support ---------------------------------------------------------------------------------

const SUPPORT_KEYS: [(&str, &str, &str); 6] = [
    ("cti_phase_1", "CTI phase 1", "#0072B2"),
    ("cti_phase_2", "CTI phase 2", "#3A9AD9"),
    ("cti_phase_3", "CTI phase 3", "#8CC7EE"),
    ("icm_clients", "ICM", "#009E73"),
    ("act_clients", "ACT", "#CC79A7"),
    ("support_waiting", "waiting for support", "#BBBBBB"),
];

const REHOUSED: [(&str, &str); 5] = [
    ("self", "found a home on their own"),
    ("none", "rehoused, no support"),
    ("cti", "rehoused with CTI"),
    ("icm", "rehoused with ICM"),
    ("act", "rehoused with ACT"),
];

fn support(out: &mut String, f: &Folder, short: &mut Vec<String>) {
    out.push_str("<section id=\"support\"><h2>Support after rehousing</h2>");
    let end = |l: &str, series: &str| -> f64 {
        f.series
            .get(&(l.to_string(), series.to_string()))
            .and_then(|v| v.last())
            .map_or(f64::NAN, |(_, e)| e.mean)
    };
    let rows: Vec<(usize, String, Vec<f64>)> = labels(f)
        .into_iter()
        .map(|(i, l)| {
            (
                i,
                l.to_string(),
                SUPPORT_KEYS
                    .iter()
                    .map(|(k, _, _)| end(l, k).max(0.0))
                    .collect(),
            )
        })
        .collect();
    let last_month = f
        .series
        .get(&(f.baseline().to_string(), "homeless".to_string()))
        .and_then(|v| v.last())
        .map(|(m, _)| m.clone())
        .unwrap_or_default();
    let keys: Vec<(&str, &str)> = SUPPORT_KEYS.iter().map(|(_, n, c)| (*n, *c)).collect();
    let svg = stacked_bars(
        "support",
        "Young people in support, by method and phase",
        &format!("young people in support or waiting for it in {last_month} (mean)"),
        &keys,
        &rows,
        false,
    );
    let b = &rows[0].2;
    let reading = format!(
        "In {last_month}, {} has {} young people in CTI (phases 1–3: {}, {}, {}), {} in ICM and {} in ACT, and {} waiting for a worker.",
        esc(&rows[0].1),
        num((b[0] + b[1] + b[2]).round()),
        num(b[0].round()),
        num(b[1].round()),
        num(b[2].round()),
        num(b[3].round()),
        num(b[4].round()),
        num(b[5].round())
    );
    figure(
        out,
        Figure {
            id: "support",
            per_scenario: true,
            body: svg,
            reading,
        },
    );

    // Still housed 12 months after rehousing, by how they were rehoused.
    let scen = labels(f);
    let band_h = 10.0 * scen.len() as f64 + 14.0;
    let label_w = REHOUSED.iter().map(|r| text_width(r.1)).fold(0.0, f64::max) + 16.0;
    let items: Vec<(String, &str)> = scen
        .iter()
        .map(|(i, l)| (l.to_string(), colour(*i)))
        .collect();
    let legend_h = legend_height(WIDTH, label_w, &items);
    let top = 26.0 + legend_h;
    let height = top + band_h * REHOUSED.len() as f64 + 44.0;
    let shares = scen.iter().flat_map(|(_, l)| {
        REHOUSED.iter().flat_map(move |(kind, _)| {
            f.estimate(l, &format!("housed_12m_share_{kind}"))
                .filter(|_| {
                    f.estimate(l, &format!("rehoused_12m_{kind}"))
                        .is_some_and(|n| n.mean > 0.0)
                })
                .map(|e| [e.low.max(0.0), e.high.min(1.0)])
                .into_iter()
                .flatten()
        })
    });
    let (lo, hi) = bounds(shares.map(|v| v * 100.0), false);
    let (lo, hi) = ((lo / 100.0).max(0.0), (hi / 100.0).min(1.0));
    let x = x_scale(lo, hi, label_w);
    let mut s = Svg::new(
        "housed-12m",
        "Still housed 12 months after leaving homelessness",
        WIDTH,
        height,
    );
    s.caption(label_w, 14.0, "share still housed 12 months after leaving homelessness (mean and 95 % CI over replicates)");
    s.legend(label_w, 20.0 + 9.0, &items);
    let bottom = top + band_h * REHOUSED.len() as f64;
    for t in svg::ticks(lo * 100.0, hi * 100.0, 5) {
        let px = x.at(t / 100.0);
        s.line(px, top - 4.0, px, bottom, "#e4e4e4", 1.0);
        s.text(px, bottom + 16.0, "middle", &format!("{} %", num(t)), "");
    }
    let mut table = String::from("<div class=\"scroll\"><table><thead><tr><th>scenario</th>");
    for (_, name) in REHOUSED {
        let _ = write!(table, "<th class=\"n\">{name}</th>");
    }
    table.push_str("</tr></thead><tbody>");
    for (k, (kind, name)) in REHOUSED.iter().enumerate() {
        let y0 = top + band_h * k as f64;
        s.text(label_w - 8.0, y0 + band_h / 2.0 + 4.0, "end", name, "");
        if k > 0 {
            s.line(label_w, y0, WIDTH - 20.0, y0, "#f0f0f0", 1.0);
        }
        for (n, (i, l)) in scen.iter().enumerate() {
            let Some(e) = f.estimate(l, &format!("housed_12m_share_{kind}")) else {
                continue;
            };
            let followed = f.estimate(l, &format!("rehoused_12m_{kind}"));
            if followed.is_none_or(|x| x.mean <= 0.0) {
                continue;
            }
            let cy = y0 + 7.0 + 10.0 * n as f64 + 5.0;
            s.line(
                x.at(e.low.clamp(lo, hi)),
                cy,
                x.at(e.high.clamp(lo, hi)),
                cy,
                colour(*i),
                2.0,
            );
            s.circle(x.at(e.mean), cy, 3.5, colour(*i));
        }
    }
    for (i, l) in &scen {
        let _ = write!(
            table,
            "<tr><td><span class=\"key\" style=\"background:{}\"></span>{}</td>",
            colour(*i),
            esc(l)
        );
        for (kind, _) in REHOUSED {
            let e = f.estimate(l, &format!("housed_12m_share_{kind}"));
            let n = f.estimate(l, &format!("rehoused_12m_{kind}"));
            let cell = match (e, n) {
                (Some(e), Some(n)) if n.mean > 0.0 => format!(
                    "{} <span class=\"note\">of {}</span>",
                    pct(e.mean),
                    num(n.mean.round())
                ),
                _ => "–".into(),
            };
            let _ = write!(table, "<td class=\"n\">{cell}</td>");
        }
        table.push_str("</tr>");
    }
    table.push_str("</tbody></table></div>");
    let share = |kind: &str| f.estimate(f.baseline(), &format!("housed_12m_share_{kind}"));
    let mut reading = String::from(
        "Counted over the reported months, among those still in the population a year later. ",
    );
    if let (Some(cti), Some(own)) = (share("cti"), share("self")) {
        let _ = write!(
            reading,
            "In {}, <strong>{}</strong> of those rehoused with CTI still have a home 12 months later, against {} of those who found one on their own and {} of those rehoused without support.",
            esc(f.baseline()),
            pct(cti.mean),
            pct(own.mean),
            share("none").map_or("–".into(), |e| pct(e.mean))
        );
        short.push(format!(
            "12 months after rehousing, {} of those with CTI still have a home ({} of those who found one on their own).",
            pct(cti.mean),
            pct(own.mean)
        ));
    }
    figure(
        out,
        Figure {
            id: "housed-12m",
            per_scenario: true,
            body: s.finish() + &table,
            reading,
        },
    );
    out.push_str("</section>");
}

// ---- Who pays --------------------------------------------------------------------------------

const PAYERS: [(&str, &str); 4] = [
    ("municipality", "#0072B2"),
    ("state", "#E69F00"),
    ("investor", "#009E73"),
    ("foundation", "#CC79A7"),
];

fn who_pays(out: &mut String, f: &Folder) {
    out.push_str("<section id=\"who-pays\"><h2>Who pays</h2>");
    let years = f.years();
    let batch = f.is_batch && f.scenarios.len() > 1;
    let rows: Vec<(usize, String, Vec<f64>)> = labels(f)
        .into_iter()
        .filter(|(i, _)| !batch || *i > 0)
        .map(|(i, l)| {
            let parts = PAYERS
                .iter()
                .map(|(p, _)| {
                    let metric = format!("cost_{p}_dkk");
                    let v = if batch {
                        f.effect(l, &metric).map_or(0.0, |e| e.mean)
                    } else {
                        f.estimate(l, &metric).map_or(0.0, |e| e.mean)
                    };
                    v / years / 1e6
                })
                .collect();
            (i, l.to_string(), parts)
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>No costs recorded.</p></section>");
        return;
    }
    let axis = if batch {
        format!(
            "cost a year against {}, by payer (m DKK; below zero: savings)",
            f.baseline()
        )
    } else {
        "cost a year by payer (m DKK)".to_string()
    };
    let svg = stacked_bars(
        "who-pays",
        "Costs a year by payer",
        &axis,
        &PAYERS,
        &rows,
        batch,
    );
    let biggest = rows
        .iter()
        .max_by(|a, b| {
            let t = |r: &&(usize, String, Vec<f64>)| r.2.iter().map(|v| v.abs()).sum::<f64>();
            t(a).total_cmp(&t(b))
        })
        .expect("rows are not empty");
    let parts: Vec<String> = PAYERS
        .iter()
        .zip(&biggest.2)
        .filter(|(_, v)| v.abs() >= 0.05)
        .map(|((p, _), v)| {
            format!(
                "the {p} {} {}",
                if *v >= 0.0 { "pays" } else { "saves" },
                dkk(v.abs() * 1e6)
            )
        })
        .collect();
    let reading = if parts.is_empty() {
        "No scenario changes what anyone pays.".to_string()
    } else if batch {
        format!(
            "Against the baseline, in <strong>{}</strong> {} a year (shelter nights and support the state refunds included).",
            esc(&biggest.1),
            parts.join(", ")
        )
    } else {
        format!("In {}, {} a year.", esc(&biggest.1), parts.join(", "))
    };
    figure(
        out,
        Figure {
            id: "who-pays",
            per_scenario: true,
            body: svg,
            reading,
        },
    );
    out.push_str("</section>");
}

// ---- Rollout ---------------------------------------------------------------------------------

fn rollout(out: &mut String, f: &Folder, short: &mut Vec<String>) {
    let me = &f.municipality_effects;
    let rollout_scenarios: Vec<(usize, &str)> = labels(f)
        .into_iter()
        .filter(|(_, l)| {
            me.records().any(|r| {
                r.get("scenario") == Some(l) && number(r.get("adopted_share").unwrap_or(&"0")) > 0.0
            })
        })
        .collect();
    let single_adopters: Vec<BTreeMap<&str, &str>> = f
        .municipalities
        .records()
        .filter(|r| {
            r.get("replicate").is_none_or(|x| *x == "0") && r.get("adopted") == Some(&"true")
        })
        .collect();
    if rollout_scenarios.is_empty() && single_adopters.is_empty() {
        return;
    }
    out.push_str("<section id=\"rollout\"><h2>Rollout to municipalities</h2>");
    if !single_adopters.is_empty() {
        let _ = write!(
            out,
            "<p>{} municipalities adopt in replicate 0 of this run (a batch against a baseline shows each one's effect).</p><div class=\"scroll\"><table><thead><tr><th>municipality</th><th>size</th><th>first adoption</th></tr></thead><tbody>",
            single_adopters.len()
        );
        let mut sorted = single_adopters.clone();
        sorted.sort_by_key(|r| {
            (
                r.get("first_adoption").copied(),
                r.get("municipality").copied(),
            )
        });
        for r in sorted {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(r.get("municipality").unwrap_or(&"")),
                esc(r.get("size_class").unwrap_or(&"")),
                esc(r.get("first_adoption").unwrap_or(&""))
            );
        }
        out.push_str("</tbody></table></div>");
    }
    for (i, l) in rollout_scenarios {
        let mut adopters: Vec<BTreeMap<&str, &str>> = me
            .records()
            .filter(|r| {
                r.get("scenario") == Some(&l)
                    && number(r.get("adopted_share").unwrap_or(&"0")) > 0.0
            })
            .collect();
        adopters.sort_by_key(|r| {
            (
                r.get("first_adoption").copied(),
                r.get("municipality").copied(),
            )
        });
        let _ = write!(out, "<h3>{}</h3>", esc(l));
        let label_w = adopters
            .iter()
            .map(|r| text_width(r.get("municipality").unwrap_or(&"")) + 60.0)
            .fold(120.0, f64::max)
            + 12.0;
        let row_h = 15.0;
        let top = 30.0;
        let height = top + row_h * adopters.len() as f64 + 44.0;
        let (lo, hi) = bounds(
            adopters.iter().flat_map(|r| {
                [
                    number(r.get("ci95_low").unwrap_or(&"")),
                    number(r.get("ci95_high").unwrap_or(&"")),
                ]
            }),
            true,
        );
        let x = x_scale(lo, hi, label_w);
        let id = format!("rollout-{}", i);
        let mut s = Svg::new(
            &id,
            "Adopting municipalities by adoption month and effect",
            WIDTH,
            height,
        );
        s.caption(label_w, 16.0, &format!("homeless months against {}, by municipality (95 % paired CI), in order of adoption", f.baseline()));
        let bottom = top + row_h * adopters.len() as f64;
        s.x_axis(x, top - 4.0, bottom, "", true);
        s.line(x.at(0.0), top - 4.0, x.at(0.0), bottom, "#222", 1.0);
        for (k, r) in adopters.iter().enumerate() {
            let cy = top + row_h * (k as f64 + 0.5);
            s.text(
                label_w - 8.0,
                cy + 4.0,
                "end",
                &format!(
                    "{} ({})",
                    r.get("municipality").unwrap_or(&""),
                    r.get("first_adoption").unwrap_or(&"")
                ),
                r#" font-size="11""#,
            );
            let (m, a, b) = (
                number(r.get("homeless_months_difference").unwrap_or(&"")),
                number(r.get("ci95_low").unwrap_or(&"")),
                number(r.get("ci95_high").unwrap_or(&"")),
            );
            s.line(x.at(a), cy, x.at(b), cy, colour(i), 2.0);
            s.circle(x.at(m), cy, 3.0, colour(i));
        }
        let total: f64 = adopters
            .iter()
            .map(|r| number(r.get("homeless_months_difference").unwrap_or(&"0")))
            .sum();
        let clear = adopters
            .iter()
            .filter(|r| number(r.get("ci95_high").unwrap_or(&"0")) < 0.0)
            .count();
        let first = adopters
            .first()
            .and_then(|r| r.get("first_adoption"))
            .copied()
            .unwrap_or("");
        let last = adopters
            .last()
            .and_then(|r| r.get("first_adoption"))
            .copied()
            .unwrap_or("");
        let mut reading = format!(
            "<strong>{}</strong> municipalities adopt between {first} and {last}; together they have {} homeless months against the baseline over the reported months, and {} of them a paired interval below zero.",
            adopters.len(),
            signed(total.round()),
            clear
        );
        let mean = |metric: &str| f.estimate(l, metric).map(|e| e.mean);
        if let (Some(cap), Some(pay), Some(net)) = (
            mean("investor_capital_dkk"),
            mean("outcome_payments_dkk"),
            mean("investor_net_return_dkk"),
        ) && cap > 0.0
        {
            let _ = write!(
                reading,
                " Investors put in {} and receive {} in outcome payments: a net return of <strong>{}</strong>.",
                dkk(cap),
                dkk(pay),
                dkk(net)
            );
            short.push(format!(
                "In {}, investors put in {} and get {} back in outcome payments ({} net).",
                esc(l),
                dkk(cap),
                dkk(pay),
                dkk(net)
            ));
        }
        figure(
            out,
            Figure {
                id: "rollout",
                per_scenario: false,
                body: s.finish(),
                reading,
            },
        );
    }
    out.push_str("</section>");
}

// ---- History ---------------------------------------------------------------------------------

/// One count of VIVE beside the model.
struct CountRow {
    held_out: bool,
    band: &'static str,
    year: i32,
    observed: f64,
    /// The count's own uncertainty (one sd, as the calibration targets state it).
    sd: f64,
    mean: f64,
    low: f64,
    high: f64,
}

/// VIVE's youth counts and which are held out of the calibration, compiled in.
fn vive_counts() -> Vec<(bool, String, f64, f64)> {
    #[derive(serde::Deserialize)]
    struct Target {
        metric: String,
        observed: f64,
        sd: f64,
    }
    #[derive(serde::Deserialize)]
    struct Targets {
        targets: Vec<Target>,
        #[serde(default)]
        held_out: Vec<Target>,
    }
    let t: Targets = toml::from_str(include_str!("../../scenarios/calibration/targets.toml"))
        .expect("the committed targets file parses");
    t.targets
        .into_iter()
        .map(|x| (false, x.metric, x.observed, x.sd))
        .chain(
            t.held_out
                .into_iter()
                .map(|x| (true, x.metric, x.observed, x.sd)),
        )
        .collect()
}

fn band_year(metric: &str) -> Option<(&'static str, i32)> {
    if let Some(y) = metric.strip_prefix("pit_18_24_") {
        return Some(("18–24", y.parse().ok()?));
    }
    if let Some(y) = metric.strip_prefix("pit_25_29_") {
        return Some(("25–29", y.parse().ok()?));
    }
    None
}

fn count_rows(f: &Folder) -> (Vec<CountRow>, &'static str) {
    let mut rows = Vec::new();
    for r in f.history.records() {
        let Some((band, year)) = band_year(r.get("metric").unwrap_or(&"")) else {
            continue;
        };
        let g = |k: &str| number(r.get(k).unwrap_or(&""));
        rows.push(CountRow {
            held_out: r.get("use") == Some(&"held_out"),
            band,
            year,
            observed: g("observed"),
            sd: g("sd"),
            mean: g("simulated_mean"),
            low: g("simulated_low"),
            high: g("simulated_high"),
        });
    }
    if !rows.is_empty() {
        return (rows, "history");
    }
    for (held_out, metric, observed, obs_sd) in vive_counts() {
        let Some((band, year)) = band_year(&metric) else {
            continue;
        };
        if let Some(e) = f.estimate(f.baseline(), &metric) {
            let sd = if e.sd.is_finite() { e.sd } else { 0.0 };
            rows.push(CountRow {
                held_out,
                band,
                year,
                observed,
                sd: obs_sd,
                mean: e.mean,
                low: e.mean - 1.96 * sd,
                high: e.mean + 1.96 * sd,
            });
        }
    }
    (rows, "own")
}

fn history(out: &mut String, f: &Folder, short: &mut Vec<String>) {
    out.push_str("<section id=\"history\"><h2>Does the model follow Denmark's counts?</h2>");
    let (rows, source) = count_rows(f);
    if rows.is_empty() {
        out.push_str("<p>These months include no year VIVE counted young homeless people (2009–2022), and the batch has no <code>history_check</code>: add <code>history_check = \"calibration/targets.toml\"</code> to the batch file, or run <code>hjemsim run scenarios/history.toml</code>, to see the model beside the counts.</p></section>");
        return;
    }
    let mut years: Vec<i32> = rows.iter().map(|r| r.year).collect();
    years.sort_unstable();
    years.dedup();
    let bands = ["18–24", "25–29"];
    let panel_w = (WIDTH - 60.0 - 20.0 - 20.0) / 2.0;
    let (top, plot_h) = (44.0, 240.0);
    let items: Vec<(String, &str)> = vec![
        ("VIVE count ± 2 sd, used in calibration".into(), "#000000"),
        ("VIVE count ± 2 sd, held out".into(), "#B00000"),
        ("model: mean and range of one count".into(), colour(0)),
    ];
    let legend_h = legend_height(WIDTH, 60.0, &items);
    let height = top + plot_h + 40.0 + legend_h + 8.0;
    let (_, hi) = bounds(
        rows.iter().flat_map(|r| [r.observed + 1.96 * r.sd, r.high]),
        true,
    );
    let y = Scale {
        d0: 0.0,
        d1: hi,
        p0: top + plot_h,
        p1: top,
    };
    let mut s = Svg::new(
        "history",
        "Simulated week-6 counts beside VIVE's",
        WIDTH,
        height,
    );
    for (p, band) in bands.iter().enumerate() {
        let x0 = 60.0 + p as f64 * (panel_w + 20.0);
        let x1 = x0 + panel_w;
        s.text(
            x0,
            18.0,
            "start",
            &format!("aged {band}"),
            r#" font-weight="bold""#,
        );
        let step = panel_w / years.len().max(1) as f64;
        for (k, yr) in years.iter().enumerate() {
            if rows.iter().any(|r| r.year == *yr && r.held_out) {
                s.rect(x0 + step * k as f64, top, step, plot_h, "#FFF4CC", "");
                s.text(
                    x0 + step * (k as f64 + 0.5),
                    top - 6.0,
                    "middle",
                    "held out",
                    r#" font-size="10""#,
                );
            }
        }
        if p == 0 {
            s.y_axis(y, x0, x1, "");
        } else {
            for t in svg::ticks(y.d0, y.d1, 5) {
                s.line(x0, y.at(t), x1, y.at(t), "#e4e4e4", 1.0);
            }
        }
        s.line(x0, top + plot_h, x1, top + plot_h, "#888", 1.0);
        for (k, yr) in years.iter().enumerate() {
            let cx = x0 + step * (k as f64 + 0.5);
            s.text(
                cx,
                top + plot_h + 16.0,
                "middle",
                &yr.to_string(),
                r#" font-size="11""#,
            );
            for r in rows.iter().filter(|r| r.year == *yr && r.band == *band) {
                s.line(
                    cx + 5.0,
                    y.at(r.low.max(0.0)),
                    cx + 5.0,
                    y.at(r.high),
                    colour(0),
                    2.0,
                );
                s.circle(cx + 5.0, y.at(r.mean), 3.5, colour(0));
                let ink = if r.held_out { "#B00000" } else { "#000000" };
                s.line(
                    cx - 5.0,
                    y.at((r.observed - 1.96 * r.sd).max(0.0)),
                    cx - 5.0,
                    y.at(r.observed + 1.96 * r.sd),
                    ink,
                    1.0,
                );
                s.diamond(cx - 5.0, y.at(r.observed), 5.0, ink);
            }
        }
    }
    s.legend(60.0, top + plot_h + 40.0, &items);
    // Within two of the count's standard deviations (|z| <= 2), as the calibration measures it.
    let inside = |r: &CountRow| ((r.mean - r.observed) / r.sd).abs() <= 2.0;
    let fitted: Vec<&CountRow> = rows.iter().filter(|r| !r.held_out).collect();
    let held: Vec<&CountRow> = rows.iter().filter(|r| r.held_out).collect();
    let mut reading = format!(
        "The simulated count is within two of the count's standard deviations of VIVE's in {} of {} counts used in calibration",
        fitted.iter().filter(|r| inside(r)).count(),
        fitted.len()
    );
    if held.is_empty() {
        reading.push('.');
    } else {
        let _ = write!(
            reading,
            ", and in {} of {} held-out counts, never fitted: {}.",
            held.iter().filter(|r| inside(r)).count(),
            held.len(),
            held.iter()
                .map(|r| format!(
                    "{} aged {}, model {} [{}, {}] against {} counted",
                    r.year,
                    r.band,
                    num(r.mean.round()),
                    num(r.low.round()),
                    num(r.high.round()),
                    num(r.observed.round())
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let relative_sd = rows.iter().map(|r| r.sd / r.observed).sum::<f64>() / rows.len() as f64;
    let _ = write!(
        reading,
        " The sd of a count (about {} of it) is an assumption of the calibration targets: a census of those in contact with services, with undercount and year-to-year noise.",
        pct(relative_sd)
    );
    reading.push_str(if source == "history" {
        " The model here is the calibrated history (history.toml and the calibrated overlay) run with this batch's replicates and scale; bars are the range one simulated count falls in."
    } else {
        " The model here is this folder's baseline; bars are the range one simulated count falls in."
    });
    short.push(format!(
        "Against VIVE's counts 2009–2022: {} of {} within two standard deviations ({} of {} held-out counts).",
        rows.iter().filter(|r| inside(r)).count(),
        rows.len(),
        held.iter().filter(|r| inside(r)).count(),
        held.len()
    ));
    figure(
        out,
        Figure {
            id: "history",
            per_scenario: false,
            body: s.finish(),
            reading,
        },
    );
    out.push_str("</section>");
}

// ---- Assumptions and scenarios ---------------------------------------------------------------

fn assumptions(out: &mut String, f: &Folder) {
    out.push_str("<section id=\"assumptions\"><h2>Key assumptions</h2>");
    let a = &f.assumptions;
    if a.rows.is_empty() {
        out.push_str("<p>This folder has no assumptions.csv.</p></section>");
        return;
    }
    let changes: Vec<BTreeMap<&str, &str>> = a
        .records()
        .filter(|r| r.get("relation") == Some(&"changes"))
        .collect();
    let relies: Vec<BTreeMap<&str, &str>> = a
        .records()
        .filter(|r| r.get("relation") == Some(&"relies_on"))
        .collect();
    let status = |r: &BTreeMap<&str, &str>| match r.get("status").copied().unwrap_or("") {
        "assumption" => "<strong>[A]</strong>",
        "sourced" => "sourced",
        _ => "no note",
    };
    let cell = |s: &str| match s.parse::<f64>() {
        Ok(v) if v.abs() >= 10_000.0 => num(v),
        _ => esc(&s.chars().take(200).collect::<String>()),
    };
    if !changes.is_empty() {
        let noted: Vec<&BTreeMap<&str, &str>> = changes
            .iter()
            .filter(|r| r.get("status") != Some(&"unstated"))
            .collect();
        let assumed = changes
            .iter()
            .filter(|r| r.get("status") == Some(&"assumption"))
            .count();
        let _ = write!(
            out,
            "<p>What each scenario sets differently from the baseline: {} values, {} of them assumptions ([A]) to be calibrated or replaced when better data come. The {} with a note in the scenario file are below; the other {} (which lever, which target, shares of a budget) are in assumptions.csv.</p><div class=\"scroll\"><table><thead><tr><th>scenario</th><th>value and the note beside it</th><th class=\"n\">value</th><th class=\"n\">baseline</th><th>status</th></tr></thead><tbody>",
            changes.len(),
            assumed,
            noted.len(),
            changes.len() - noted.len()
        );
        for r in noted {
            let _ = write!(
                out,
                "<tr><td>{}</td><td><code>{}</code><br>{} <span class=\"note\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                cell(r.get("scenario").unwrap_or(&"")),
                cell(r.get("key").unwrap_or(&"")),
                cell(r.get("note").unwrap_or(&"")),
                cell(r.get("source").unwrap_or(&"")),
                cell(r.get("value").unwrap_or(&"")),
                cell(r.get("baseline_value").unwrap_or(&"")),
                status(r)
            );
        }
        out.push_str("</tbody></table></div>");
    }
    if !relies.is_empty() {
        let _ = write!(
            out,
            "<h3>Assumptions the comparison relies on</h3><p>{} values of the baseline marked [A] in the parts of the model these scenarios act on (or in the whole model, for a single run).</p><div class=\"scroll\"><table><thead><tr><th>value and the note beside it</th><th class=\"n\">value</th></tr></thead><tbody>",
            relies.len()
        );
        for r in &relies {
            let _ = write!(
                out,
                "<tr><td><code>{}</code><br>{} <span class=\"note\">{}</span></td><td class=\"n\">{}</td></tr>",
                cell(r.get("key").unwrap_or(&"")),
                cell(r.get("note").unwrap_or(&"")),
                cell(r.get("source").unwrap_or(&"")),
                cell(r.get("value").unwrap_or(&""))
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</section>");
}

fn scenarios(out: &mut String, f: &Folder) {
    out.push_str("<section id=\"scenarios\"><h2>Scenarios</h2><div class=\"scroll\"><table><thead><tr><th>scenario</th><th>what it is</th><th>file</th></tr></thead><tbody>");
    for (i, s) in f.scenarios.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td><span class=\"key\" style=\"background:{}\"></span>{}{}</td><td>{}</td><td><code>{}</code></td></tr>",
            colour(i),
            esc(&s.label),
            if i == 0 && f.is_batch {
                " (baseline)"
            } else {
                ""
            },
            esc(&s.description),
            esc(&s.file)
        );
    }
    out.push_str("</tbody></table></div></section>");
}
