//! `hjemsim check`: a benchmark folder with goldens passes unchanged, and fails, naming the metric
//! and its z, when a parameter is changed on purpose; `--update` accepts the change.

mod common;

use common::{hjemsim, scenario};

fn check(dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = dir.join("out");
    let mut args = vec![
        "check",
        "--dir",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = hjemsim(&args);
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn probe(dir: &std::path::Path, body: &str) {
    std::fs::write(
        dir.join("probe.toml"),
        format!(
            "extends = {:?}\nname = \"probe\"\n{body}\n",
            scenario("benchmarks/small.toml").to_str().unwrap()
        ),
    )
    .unwrap();
}

#[test]
fn check_fails_on_a_changed_parameter_with_the_metric_and_z() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bench");
    std::fs::create_dir(&dir).unwrap();
    probe(&dir, "");

    // No golden yet: the check says how to make one.
    let (code, out) = check(&dir, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("no golden") && out.contains("--update"),
        "{out}"
    );

    let (code, out) = check(&dir, &["--update"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(dir.join("golden/probe.json").exists());

    // Unchanged: same bytes, nothing moved.
    let (code, out) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("exact: ") && out.contains("as the golden"),
        "{out}"
    );
    assert!(out.contains("0 of "), "{out}");

    // Three times the direct entry rate: the count moves far beyond the band.
    probe(&dir, "[entry]\nbaseline_monthly = 0.0006");
    let (code, out) = check(&dir, &[]);
    assert_eq!(code, Some(1), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("FAIL metric homeless_end of probe moved from"))
        .unwrap_or_else(|| panic!("no homeless_end line: {out}"));
    let z: f64 = line
        .split("z = ")
        .nth(1)
        .unwrap()
        .split([',', ')'])
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(z > 4.0, "z = {z} in {line}");
    assert!(out.contains("outputs differ from the golden"), "{out}");

    // An intended change is accepted by --update, which says what moved.
    let (code, out) = check(&dir, &["--update"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("homeless_end") && out.contains("golden updated"),
        "{out}"
    );
    let (code, out) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn the_committed_goldens_hold() {
    // The repository's own benchmarks against their committed goldens (what CI runs).
    let tmp = tempfile::tempdir().unwrap();
    let o = hjemsim(&[
        "check",
        "--dir",
        scenario("benchmarks").to_str().unwrap(),
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("benchmarks") && out.contains(": ok"), "{out}");
}
