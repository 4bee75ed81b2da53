//! Contract 1 (DESIGN.md): the same inputs give the same bytes, for any thread count.

mod common;
use common::*;

const FILES: [&str; 3] = ["monthly.csv", "pit_counts.csv", "summary.csv"];

fn run(out: &std::path::Path, threads: &str, extra: &[&str]) -> std::path::PathBuf {
    let scenario = scenario("benchmarks/small.toml");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--threads",
        threads,
        "--progress",
        "never",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = hjemsim(&args);
    assert!(
        o.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.join("bench-small")
}

#[test]
fn outputs_are_byte_identical_for_1_2_and_4_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = ["1", "2", "4"]
        .iter()
        .map(|t| run(&tmp.path().join(format!("t{t}")), t, &[]))
        .collect();
    for f in FILES {
        let first = read(&dirs[0].join(f));
        assert!(first.len() > 100, "{f} is suspiciously small");
        for d in &dirs[1..] {
            assert!(
                first == read(&d.join(f)),
                "{f} differs between thread counts"
            );
        }
    }
    let m0 = manifest_without_runtime(&dirs[0]);
    for d in &dirs[1..] {
        assert_eq!(m0, manifest_without_runtime(d));
    }
}

#[test]
fn with_budgets_and_programmes_on_outputs_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let all_four = scenario("tracks/all-four.toml");
    let runs: Vec<Vec<u8>> = ["1", "2"]
        .iter()
        .map(|t| {
            let out = tmp.path().join(t);
            let o = hjemsim(&[
                "run",
                all_four.to_str().unwrap(),
                "--threads",
                t,
                "--replicates",
                "2",
                "--set",
                "run.scale=0.05",
                "--set",
                "run.end=2016-12",
                "--set",
                "run.burn_in_months=12",
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            read(&out.join("track-all-four/monthly.csv"))
        })
        .collect();
    assert!(
        runs[0] == runs[1],
        "all-four differs between 1 and 2 threads"
    );
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(&tmp.path().join("a"), "2", &["--seed", "7"]);
    let b = run(&tmp.path().join("b"), "2", &["--seed", "7"]);
    let c = run(&tmp.path().join("c"), "2", &["--seed", "8"]);
    for f in FILES {
        assert!(
            read(&a.join(f)) == read(&b.join(f)),
            "{f} differs for the same seed"
        );
    }
    assert!(
        read(&a.join("monthly.csv")) != read(&c.join("monthly.csv")),
        "another seed gave the same monthly.csv"
    );
}
