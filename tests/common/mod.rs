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
