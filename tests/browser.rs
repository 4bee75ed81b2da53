//! The report in a real browser: Chromium, headless, renders the report benchmark's page; the
//! DOM it builds must hold every chart with content and a reading, and its screenshot must not be
//! blank. Needs Chromium (`HJEMSIM_CHROMIUM`, else `/usr/bin/chromium` or `chromium` on PATH);
//! where there is none the test says SKIPPED and passes. `.ci/run` installs Debian's `chromium`
//! first, so CI runs it for real.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{hjemsim_into, scenario};

use common::REPORT_CHARTS as CHARTS;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HJEMSIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let usual = PathBuf::from("/usr/bin/chromium");
    if usual.exists() {
        return Some(usual);
    }
    let found = Command::new("sh")
        .args(["-c", "command -v chromium"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Runs headless Chromium on `page` with `extra` (`--dump-dom`, `--screenshot=...`), with the
/// flags that keep it off this machine's closed network and out of its sandbox (CI runs as root).
fn headless(chromium: &Path, profile: &Path, page: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()));
    cmd.output().expect("chromium starts")
}

#[test]
fn chromium_renders_every_chart() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "browser test SKIPPED: no Chromium (set HJEMSIM_CHROMIUM or install Debian's chromium)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = hjemsim_into("batch", &scenario("benchmarks/report.toml"), &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::path::absolute(out.join("report-small/report.html")).unwrap();

    // The DOM the browser built from the page.
    let o = headless(
        &chromium,
        &tmp.path().join("profile-dom"),
        &page,
        &["--dump-dom"],
    );
    assert!(
        o.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dom = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        dom.contains("<main>"),
        "no page in the DOM: {}",
        &dom[..dom.len().min(300)]
    );
    for id in CHARTS {
        let start = dom
            .find(&format!("data-chart=\"{id}\""))
            .unwrap_or_else(|| panic!("chart {id} is not in the DOM"));
        let figure = &dom[start..start + dom[start..].find("</figure>").unwrap()];
        let svg = &figure[figure
            .find("<svg")
            .unwrap_or_else(|| panic!("{id} has no svg"))..];
        let marks = ["<path", "<rect", "<circle", "<line"]
            .iter()
            .map(|m| svg.matches(m).count())
            .sum::<usize>();
        assert!(marks > 5, "chart {id} has {marks} marks");
        let caption = figure.split("<figcaption>").nth(1).unwrap_or("");
        assert!(
            caption.trim_start_matches("</figcaption>").len() > 40,
            "chart {id} has no reading"
        );
    }
    assert!(!dom.to_lowercase().contains("<script"));

    // A screenshot of the first screens is not blank: many pixels are not white, in many colours.
    let shot = tmp.path().join("report.png");
    let o = headless(
        &chromium,
        &tmp.path().join("profile-shot"),
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,2400",
        ],
    );
    assert!(
        o.status.success() && shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let mut inked = 0usize;
    let mut colours = std::collections::BTreeSet::new();
    for px in pixels.chunks(channels) {
        if px[..3].iter().any(|&c| c < 235) {
            inked += 1;
        }
        colours.insert((px[0] >> 4, px[1] >> 4, px[2] >> 4));
    }
    let total = pixels.len() / channels;
    assert!(
        inked * 50 > total,
        "screenshot is blank: {inked} of {total} pixels inked"
    );
    assert!(
        colours.len() > 20,
        "screenshot has only {} colours",
        colours.len()
    );
    eprintln!(
        "browser test: {} charts in the DOM; screenshot {}x{}, {:.1} % inked, {} colours",
        CHARTS.len(),
        info.width,
        info.height,
        100.0 * inked as f64 / total as f64,
        colours.len()
    );
}
