//! The planner's report: the same bytes from the same inputs (any thread count, rewritten by
//! `hjemsim report`, sharded then merged), user text escaped, every scenario in every chart
//! drawn per scenario, nothing fetched from anywhere, readings computed from the tables, and a
//! report of a single run.

mod common;

use std::path::{Path, PathBuf};

use common::{hjemsim, hjemsim_into, read, scenario};

use common::REPORT_CHARTS as CHARTS;

/// A copy of the report benchmark with a scenario whose description and notes try to inject
/// markup, written into `dir`; returns the batch file.
fn hostile_batch(dir: &Path) -> PathBuf {
    let s = |rel: &str| scenario(rel).display().to_string();
    std::fs::write(
        dir.join("hostile.toml"),
        format!(
            r#"extends = {base:?}
name = "hostile"
description = "<script>alert(1)</script> & \"quoted\" <b>bold</b>"

[budget]
annual_dkk = 20000000   # <img src=x onerror=alert(1)> a budget [A]

[[budget.items]]
lever = "places"
target = "community"   # </td></tr></table><script>alert(2)</script>
share = 1.0
"#,
            base = s("baseline.toml")
        ),
    )
    .unwrap();
    let batch = dir.join("report.toml");
    std::fs::write(
        &batch,
        format!(
            r#"name = "report-hostile"
description = "A batch <i>description</i> with markup"
baseline = {base:?}
scenarios = [{housing:?}, {rollout:?}, "hostile.toml"]
replicates = 3
seed = 11
history_check = {targets:?}

[set]
"run.scale" = 0.02
"run.start" = "2025-01"
"run.end" = "2027-12"
"run.burn_in_months" = 36
"#,
            base = s("baseline.toml"),
            housing = s("tracks/housing.toml"),
            rollout = s("rollout/helt-hjem-national.toml"),
            targets = s("calibration/targets.toml"),
        ),
    )
    .unwrap();
    batch
}

fn run_batch(batch: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let o = hjemsim_into("batch", batch, out, extra);
    assert!(
        o.status.success(),
        "batch failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.join("report-hostile")
}

/// The markup of each figure, by its `data-chart` id.
fn figures(html: &str) -> Vec<(String, bool, String)> {
    html.split("<figure ")
        .skip(1)
        .map(|part| {
            let body = part.split("</figure>").next().unwrap().to_string();
            let id = body
                .split("data-chart=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap()
                .to_string();
            (id, body.starts_with("class=\"chart per-scenario\""), body)
        })
        .collect()
}

#[test]
fn batch_report_is_reproducible_escaped_complete_and_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let batch = hostile_batch(tmp.path());
    let one = run_batch(&batch, &tmp.path().join("one"), &["--threads", "1"]);
    let two = run_batch(&batch, &tmp.path().join("two"), &["--threads", "2"]);
    let html = String::from_utf8(read(&one.join("report.html"))).unwrap();

    // Same inputs, same bytes: across thread counts and when rewritten from the tables.
    assert_eq!(html.as_bytes(), read(&two.join("report.html")).as_slice());
    let o = hjemsim(&["report", one.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(html.as_bytes(), read(&one.join("report.html")).as_slice());

    // User text is text.
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a script tag got through");
    assert!(!lower.contains("<img") && !lower.contains("<b>bold") && !lower.contains("<i>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; a budget [A]"));
    assert!(html.contains("A batch &lt;i&gt;description&lt;/i&gt; with markup"));

    // Nothing from the network: no scripts, links, images, imports or URLs but SVG's namespace.
    for banned in [
        "<link", "<img", "src=\"", "href=\"", "@import", "url(", "<iframe", "<object",
    ] {
        assert!(!lower.contains(banned), "found {banned}");
    }
    assert_eq!(
        html.matches("http").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "only SVG namespaces may name a URL"
    );

    // Every chart is there, non-empty, with a reading; every per-scenario chart names every
    // scenario of the batch.
    let figs = figures(&html);
    for id in CHARTS {
        let (_, _, body) = figs
            .iter()
            .find(|(i, _, _)| i == id)
            .unwrap_or_else(|| panic!("no {id} chart"));
        assert!(
            body.contains("<svg")
                && body.matches("<path").count()
                    + body.matches("<rect").count()
                    + body.matches("<circle").count()
                    > 2,
            "{id} is empty"
        );
        let caption = body.split("<figcaption>").nth(1).unwrap();
        assert!(caption.len() > 40, "{id} has no reading");
    }
    let labels = ["baseline", "track-housing", "helt-hjem-national", "hostile"];
    for (id, per_scenario, body) in &figs {
        if *per_scenario {
            for l in labels {
                // The baseline is not a row of charts of differences from it.
                if l == "baseline" && (id == "effects" || id == "who-pays") {
                    assert!(body.contains("baseline"), "{id} does not name its baseline");
                    continue;
                }
                assert!(body.contains(&format!(">{l}<")), "{id} does not show {l}");
            }
        }
    }
}

#[test]
fn readings_are_computed_from_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = hjemsim_into("batch", &scenario("benchmarks/report.toml"), &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = out.join("report-small");
    let html = String::from_utf8(read(&dir.join("report.html"))).unwrap();

    // The scenario that lowers the last count most, read straight from comparison.csv.
    let mut r = csv::Reader::from_path(dir.join("comparison.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let year = rows
        .iter()
        .filter_map(|x| x[2].strip_prefix("pit_18_29_")?.parse::<i32>().ok())
        .max()
        .unwrap();
    let metric = format!("pit_18_29_{year}");
    let best = rows
        .iter()
        .filter(|x| x[2] == *metric)
        .min_by(|a, b| {
            a[3].parse::<f64>()
                .unwrap()
                .total_cmp(&b[3].parse::<f64>().unwrap())
        })
        .unwrap();
    let value = |s: &str| s.parse::<f64>().unwrap();
    let expected =
        hjemsim::report::format::diff_interval(value(&best[3]), value(&best[4]), value(&best[5]));
    let effects = figures(&html)
        .into_iter()
        .find(|f| f.0 == "effects")
        .unwrap()
        .2;
    let reading = effects.split("<figcaption>").nth(1).unwrap();
    assert!(
        reading.contains(&format!(
            "<strong>{} lowers the {year} count most: {expected}</strong>",
            &best[0]
        )),
        "reading does not match comparison.csv ({} {expected}): {reading}",
        &best[0]
    );

    // The history chart holds each VIVE count of history.csv.
    let mut h = csv::Reader::from_path(dir.join("history.csv")).unwrap();
    let counted = h
        .records()
        .filter(|x| {
            x.as_ref().unwrap()[1].starts_with("pit_1")
                || x.as_ref().unwrap()[1].starts_with("pit_2")
        })
        .filter(|x| !x.as_ref().unwrap()[1].starts_with("pit_18_29"))
        .count();
    let history = figures(&html)
        .into_iter()
        .find(|f| f.0 == "history")
        .unwrap()
        .2;
    // One diamond (a closed path) per count and age band.
    assert!(counted > 0);
    assert_eq!(history.matches("Z\" fill=").count(), counted);
}

#[test]
fn report_of_a_single_run_and_of_a_merged_batch() {
    let tmp = tempfile::tempdir().unwrap();
    // A single run: the report sits in the run folder, with the run's charts.
    let out = tmp.path().join("run");
    let o = hjemsim(&[
        "run",
        scenario("benchmarks/small.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "never",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run_dir = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let html = String::from_utf8(read(&run_dir.join("report.html"))).unwrap();
    let ids: Vec<String> = figures(&html).into_iter().map(|f| f.0).collect();
    for id in ["over-time", "sleeping", "support", "housed-12m", "who-pays"] {
        assert!(
            ids.iter().any(|i| i == id),
            "run report lacks {id}: {ids:?}"
        );
    }
    assert!(html.contains("nothing to compare it with"));

    // A batch run as two shards and merged gives the report of one machine.
    let batch = scenario("benchmarks/report.toml");
    let whole = tmp.path().join("whole");
    assert!(hjemsim_into("batch", &batch, &whole, &[]).status.success());
    let mut shard_dirs = Vec::new();
    for i in 0..2 {
        let d = tmp.path().join(format!("shard-{i}"));
        let o = hjemsim_into("batch", &batch, &d, &["--shard", &format!("{i}/2")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            !d.join("report-small/report.html").exists(),
            "a shard writes no report"
        );
        shard_dirs.push(d.join("report-small"));
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--out", merged.to_str().unwrap()]);
    let o = hjemsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        read(&whole.join("report-small/report.html")),
        read(&merged.join("report-small/report.html"))
    );
}

#[test]
fn report_of_a_folder_that_is_not_one_fails_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let o = hjemsim(&["report", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("manifest.json") && err.contains("allowed"),
        "{err}"
    );
    assert!(!tmp.path().join("report.html").exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}
