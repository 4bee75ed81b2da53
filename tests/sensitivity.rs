//! `hjemsim sensitivity`: Morris ranks a parameter with no effect last (with common random
//! numbers its elementary effects are exactly zero) and a strong one first; Sobol agrees; the
//! same seed gives the same bytes, also after a resume.

mod common;
use common::*;

use std::path::Path;

fn spec(dir: &Path) -> std::path::PathBuf {
    let text = format!(
        r#"name = "sens"
scenario = {:?}
outputs = ["homeless_entries", "pit_18_29_2017"]
replicates = 1
seed = 4

[set]
"run.scale" = 0.05
"run.start" = "2015-01"
"run.end" = "2017-12"
"run.burn_in_months" = 24

[morris]
trajectories = 4
levels = 4

[sobol]
top = 2
samples = 8

[[parameters]]
key = "entry.baseline_monthly"
prior = {{ distribution = "log_uniform", min = 0.00003, max = 0.0006 }}

[[parameters]]
key = "costs.shelter_month"
spread = 0.5

[[parameters]]
key = "sleeping.shelter_acceptance"
prior = {{ distribution = "uniform", min = 0.3, max = 0.8 }}
"#,
        scenario("benchmarks/small.toml").display().to_string()
    );
    let path = dir.join("sens.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(spec: &Path, out: &Path, extra: &[&str]) {
    let o = hjemsim_into("sensitivity", spec, out, extra);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn morris_ranks_a_parameter_without_effect_last_and_results_are_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec(tmp.path());
    let a = tmp.path().join("a");
    run(&spec, &a, &["--threads", "2"]);
    let table = std::fs::read_to_string(a.join("sens/sensitivity.csv")).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    for output in ["homeless_entries", "pit_18_29_2017"] {
        let morris: Vec<&Vec<&str>> = rows
            .iter()
            .filter(|r| r[0] == "morris" && r[1] == output)
            .collect();
        assert_eq!(morris.len(), 3);
        let rank_of = |p: &str| morris.iter().find(|r| r[2] == p).unwrap()[3];
        assert_eq!(rank_of("costs.shelter_month"), "3", "{output}: {table}");
        assert_eq!(rank_of("entry.baseline_monthly"), "1", "{output}: {table}");
        let mu = |p: &str| -> f64 {
            morris.iter().find(|r| r[2] == p).unwrap()[4]
                .parse()
                .unwrap()
        };
        assert_eq!(mu("costs.shelter_month"), 0.0);
        assert!(mu("entry.baseline_monthly") > 0.0);
    }
    // Sobol on the top two: the entry rate carries most of the variance of entries.
    let total = |p: &str| -> f64 {
        rows.iter()
            .find(|r| r[0] == "sobol" && r[1] == "homeless_entries" && r[2] == p)
            .unwrap()[8]
            .parse()
            .unwrap()
    };
    assert!(total("entry.baseline_monthly") > 0.5, "{table}");
    assert!(total("entry.baseline_monthly") > total("sleeping.shelter_acceptance"));
    let ranking = std::fs::read_to_string(a.join("sens/ranking.csv")).unwrap();
    assert!(
        ranking
            .lines()
            .last()
            .unwrap()
            .contains("costs.shelter_month"),
        "{ranking}"
    );

    // Same bytes with one thread, and after losing half the runs and resuming.
    let b = tmp.path().join("b");
    run(&spec, &b, &["--threads", "1"]);
    for f in ["sensitivity.csv", "ranking.csv"] {
        assert_eq!(
            read(&a.join("sens").join(f)),
            read(&b.join("sens").join(f)),
            "{f}"
        );
    }
    let runs = b.join("sens/runs");
    for (i, e) in std::fs::read_dir(&runs).unwrap().enumerate() {
        if i % 2 == 0 {
            std::fs::remove_dir_all(e.unwrap().path()).unwrap();
        }
    }
    run(&spec, &b, &["--resume"]);
    for f in ["sensitivity.csv", "ranking.csv"] {
        assert_eq!(
            read(&a.join("sens").join(f)),
            read(&b.join("sens").join(f)),
            "{f} after resume"
        );
    }
}
