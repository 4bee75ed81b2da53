//! A full disk or a folder hjemsim may not write to: the run fails with exit 1, the error names
//! the file it hit, and nothing half-written is left (no run folder, no `.tmp-*` staging).
//!
//! A full disk is stood in for by a file-size limit (`ulimit -f`, with SIGXFSZ ignored so the
//! write returns `EFBIG` as a full disk returns `ENOSPC`): it needs no privileges and fails the
//! same `write` call at the same point, partway through a table.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `hjemsim CMD FILE --out OUT --progress never EXTRA...` under bash with a file-size limit
/// of `kib` KiB (as `common::hjemsim_into`, which runs it without one).
fn hjemsim_into_with_file_limit(
    kib: u64,
    cmd: &str,
    file: &Path,
    out: &Path,
    extra: &[&str],
) -> Output {
    // bash counts `ulimit -f` in KiB.
    let script = format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\"");
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_hjemsim"))
        .args([cmd, file.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--progress", "never"])
        .args(extra)
        .output()
        .expect("bash runs")
}

/// Every path under `dir`, relative to it.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_full_disk_during_a_run_names_the_file_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let small = scenario("benchmarks/small.toml");
    let o = hjemsim_into_with_file_limit(256, "run", &small, &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    // The message names the file in the staging folder and the system's reason.
    assert!(
        err.contains("writing ") && err.contains(".csv") && err.contains("File too large"),
        "{err}"
    );
    let left = listing(&out);
    assert!(
        left.is_empty(),
        "a failed run left {left:?} behind (stderr: {err})"
    );
}

#[test]
fn a_full_disk_during_a_batch_names_the_file_and_leaves_no_staging() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let batch = scenario("benchmarks/tracks-small.toml");
    // Too small for a run's cost table (about 100 kB at this size).
    let o = hjemsim_into_with_file_limit(16, "batch", &batch, &out, &["--threads", "1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.contains("writing ") && err.contains("File too large"),
        "{err}"
    );
    let left = listing(&out);
    let staging: Vec<&String> = left.iter().filter(|p| p.contains(".tmp-")).collect();
    assert!(
        staging.is_empty(),
        "staging left behind: {staging:?} (stderr: {err})"
    );
    // Whatever run folders exist are whole: each has its run.json (a resume reuses them).
    for run in left
        .iter()
        .filter(|p| p.contains("runs/") && p.matches('/').count() == 2 && !p.contains('.'))
    {
        assert!(
            out.join(run).join("run.json").exists(),
            "{run} is a run folder without run.json"
        );
    }
    // And no batch table was written.
    assert!(
        !left
            .iter()
            .any(|p| p.ends_with("summary.csv") && !p.contains("runs/")),
        "{left:?}"
    );
    // With room again, the same command finishes the batch.
    let o = hjemsim_into("batch", &batch, &out, &["--threads", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("tracks-small/summary.csv").exists());
}

#[test]
fn an_output_folder_that_cannot_be_made_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    // A file where the output folder should be: refused whoever runs the test (root too).
    let blocker = tmp.path().join("results");
    std::fs::write(&blocker, "not a folder").unwrap();
    let o = hjemsim_into(
        "run",
        &scenario("benchmarks/small.toml"),
        &blocker.join("here"),
        &[],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains(&*blocker.to_string_lossy()), "{err}");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "not a folder");
}

#[cfg(unix)]
#[test]
fn a_folder_without_write_permission_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let locked = tmp.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(locked.join("probe"), "x").is_ok() {
        // Root ignores permissions; the test above covers a folder that cannot be made.
        eprintln!("skipped: this user can write into a read-only folder (root)");
        return;
    }
    let o = hjemsim_into("run", &scenario("benchmarks/small.toml"), &locked, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.contains(&*locked.to_string_lossy()) && err.contains("ermission denied"),
        "{err}"
    );
    assert!(listing(&locked).is_empty());
}
