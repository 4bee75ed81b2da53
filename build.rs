//! Bakes the git revision and target triple into the binary for `manifest.json`.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
    let rev = Command::new("git")
        .args(["describe", "--always", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=HJEMSIM_GIT_REVISION={rev}");
    println!(
        "cargo:rustc-env=HJEMSIM_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
}
