//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scenario(rel: &str) -> PathBuf {
    root().join("scenarios").join(rel)
}

/// Runs the hjemsim binary with `args`.
pub fn hjemsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hjemsim"))
        .args(args)
        .output()
        .expect("hjemsim runs")
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// manifest.json without its `runtime` block, which is the only part allowed to vary.
pub fn manifest_without_runtime(dir: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&read(&dir.join("manifest.json"))).expect("manifest is JSON");
    v.as_object_mut().unwrap().remove("runtime");
    v
}

/// Runs `hjemsim CMD FILE --out OUT --progress never EXTRA...` (batch, calibrate, sensitivity).
pub fn hjemsim_into(cmd: &str, file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        cmd,
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "never",
    ];
    args.extend_from_slice(extra);
    hjemsim(&args)
}

/// The small benchmark overlaid with `body` (a scenario named `name`), loaded with `sets`.
pub fn small_with(name: &str, body: &str, sets: &[&str]) -> hjemsim::model::Setup {
    let tmp = tempfile::tempdir().unwrap();
    let base = scenario("benchmarks/small.toml");
    let text = format!(
        "extends = {:?}\nname = {name:?}\n{body}",
        base.to_str().unwrap()
    );
    let path = tmp.path().join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    hjemsim::commands::prepare(&path, &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .1
}

/// The charts of a batch report with a rollout and a history check (`data-chart` ids).
pub const REPORT_CHARTS: [&str; 8] = [
    "effects",
    "over-time",
    "sleeping",
    "support",
    "housed-12m",
    "who-pays",
    "rollout",
    "history",
];
