//! `hjemsim calibrate`: ABC recovers parameters from data that hjemsim itself simulated, gives
//! the same bytes for the same seed, and resumes after a SIGKILL to the same bytes.

mod common;
use common::*;

use std::path::{Path, PathBuf};

const TRUE_BASELINE_ENTRY: f64 = 0.00015;
const TRUE_TRANSITIONAL_EXIT: f64 = 0.22;
const TARGET_METRICS: [&str; 5] = [
    "pit_18_24_2016",
    "pit_25_29_2016",
    "pit_18_29_2017",
    "homeless_entries",
    "under_6m_share_2017",
];
const OUTPUTS: [&str; 4] = [
    "posterior.csv",
    "fit.csv",
    "generations.csv",
    "calibrated.toml",
];

fn small_sets() -> Vec<String> {
    [
        "run.scale=0.05",
        "run.start=2015-01",
        "run.end=2017-12",
        "run.burn_in_months=24",
    ]
    .map(String::from)
    .to_vec()
}

/// The "observations": the metrics of the small benchmark run at the true parameters, as the
/// mean of 6 replicates (another seed than the calibration's).
fn observed() -> Vec<(String, f64)> {
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec![
        "run".into(),
        scenario("benchmarks/small.toml").display().to_string(),
        "--out".into(),
        tmp.path().display().to_string(),
        "--progress".into(),
        "never".into(),
        "--replicates".into(),
        "6".into(),
        "--seed".into(),
        "99".into(),
    ];
    for s in small_sets().into_iter().chain([
        format!("entry.baseline_monthly={TRUE_BASELINE_ENTRY}"),
        format!("exits.type_exit_monthly[0]={TRUE_TRANSITIONAL_EXIT}"),
    ]) {
        args.push("--set".into());
        args.push(s);
    }
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let o = hjemsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(tmp.path().join("bench-small/summary.csv")).unwrap();
    TARGET_METRICS
        .iter()
        .map(|m| {
            let line = summary
                .lines()
                .find(|l| l.split(',').nth(1) == Some(m))
                .unwrap_or_else(|| panic!("no {m} in summary.csv"));
            (
                m.to_string(),
                line.split(',').nth(2).unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// Writes a targets file for the small benchmark into `dir`, with the chain the repository
/// uses: `model.toml` extends the calibrated overlay `installed.toml`, which extends the
/// benchmark.
fn targets_file(dir: &Path, particles: u32, generations: u32) -> PathBuf {
    let base = scenario("benchmarks/small.toml").display().to_string();
    std::fs::write(
        dir.join("installed.toml"),
        format!("extends = {base:?}\nname = \"calibrated\"\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("model.toml"),
        "extends = \"installed.toml\"\nname = \"bench-small\"\n",
    )
    .unwrap();
    let mut text =
        "name = \"recover\"\nscenario = \"model.toml\"\nreplicates = 2\nseed = 5\n\n[set]\n"
            .to_string();
    for s in small_sets() {
        let (k, v) = s.split_once('=').unwrap();
        let v = if v.contains('-') {
            format!("{v:?}")
        } else {
            v.to_string()
        };
        text.push_str(&format!("{k:?} = {v}\n"));
    }
    text.push_str(&format!(
        "\n[abc]\nparticles = {particles}\nalpha = 0.5\nmin_acceptance = 0.02\nmax_generations = {generations}\n\n\
         [calibrated]\npath = \"installed.toml\"\nextends = {base:?}\n\n\
         [[parameters]]\nkey = \"entry.baseline_monthly\"\nprior = {{ distribution = \"log_uniform\", min = 0.00003, max = 0.0006 }}\n\n\
         [[parameters]]\nkey = \"exits.type_exit_monthly[0]\"\nprior = {{ distribution = \"uniform\", min = 0.1, max = 0.6 }}\n"
    ));
    for (metric, value) in observed() {
        // 10 % uncertainty on counts, 5 points on shares.
        let sd = if metric.contains("share") {
            0.05
        } else {
            0.1 * value
        };
        text.push_str(&format!(
            "\n[[targets]]\nmetric = \"{metric}\"\nobserved = {value}\nsd = {sd}\n"
        ));
    }
    let path = dir.join("targets.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn calibrate(targets: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let o = hjemsim_into("calibrate", targets, out, extra);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Weighted posterior quantiles of one column of posterior.csv.
fn posterior(dir: &Path, column: &str) -> (f64, f64, f64) {
    let mut r = csv::Reader::from_path(dir.join("posterior.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == column).unwrap();
    let values: Vec<(f64, f64)> = r
        .records()
        .map(|row| {
            let row = row.unwrap();
            (row[col].parse().unwrap(), row[1].parse().unwrap())
        })
        .collect();
    let q = |p| hjemsim::experiment::calibrate::weighted_quantile(&values, p);
    (q(0.025), q(0.5), q(0.975))
}

#[test]
fn abc_recovers_parameters_from_data_simulated_by_hjemsim() {
    let tmp = tempfile::tempdir().unwrap();
    let targets = targets_file(tmp.path(), 60, 5);
    let out = tmp.path().join("out");
    calibrate(&targets, &out, &["--threads", "2", "--install"]);
    let dir = out.join("recover");
    for (column, truth, lo, hi, log) in [
        (
            "entry.baseline_monthly",
            TRUE_BASELINE_ENTRY,
            0.00003,
            0.0006,
            true,
        ),
        (
            "exits.type_exit_monthly[0]",
            TRUE_TRANSITIONAL_EXIT,
            0.1,
            0.6,
            false,
        ),
    ] {
        let (low, median, high) = posterior(&dir, column);
        assert!(
            low <= truth && truth <= high,
            "{column}: truth {truth} outside the 95 % posterior [{low}, {high}]"
        );
        // The data narrow the prior: the 95 % interval covers less than half of it.
        let width = |a: f64, b: f64| if log { (b / a).ln() } else { b - a };
        assert!(
            width(low, high) < 0.5 * width(lo, hi),
            "{column}: posterior [{low}, {high}] hardly narrower than the prior [{lo}, {hi}]"
        );
        assert!(low <= median && median <= high);
    }
    // The overlay is installed where the targets file says, and it loads.
    let installed = tmp.path().join("installed.toml");
    let text = std::fs::read_to_string(&installed).unwrap();
    assert!(text.contains("baseline_monthly"), "{text}");
    let o = hjemsim(&["validate", installed.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn calibration_gives_the_same_bytes_for_any_thread_count_and_after_a_kill() {
    let tmp = tempfile::tempdir().unwrap();
    let targets = targets_file(tmp.path(), 16, 3);
    let one = tmp.path().join("one");
    calibrate(&targets, &one, &["--threads", "1"]);
    let two = tmp.path().join("two");
    calibrate(&targets, &two, &["--threads", "2"]);
    for f in OUTPUTS {
        assert_eq!(
            read(&one.join("recover").join(f)),
            read(&two.join("recover").join(f)),
            "{f} differs between 1 and 2 threads"
        );
    }

    // Two shards in one shared folder, as a Slurm array would run them: each runs its share of
    // every generation and waits for the other's; both end with the single machine's tables.
    let shared = tmp.path().join("shared");
    let shards: Vec<std::process::Child> = ["0/2", "1/2"]
        .iter()
        .map(|s| {
            std::process::Command::new(env!("CARGO_BIN_EXE_hjemsim"))
                .args([
                    "calibrate",
                    targets.to_str().unwrap(),
                    "--progress",
                    "never",
                ])
                .args(["--threads", "1", "--shard", s, "--out"])
                .arg(&shared)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in shards {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in OUTPUTS {
        assert_eq!(
            read(&one.join("recover").join(f)),
            read(&shared.join("recover").join(f)),
            "{f} differs between shards and one machine"
        );
    }

    // SIGKILL in the middle, then --resume.
    let killed = tmp.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hjemsim"))
        .args([
            "calibrate",
            targets.to_str().unwrap(),
            "--progress",
            "never",
        ])
        .arg("--out")
        .arg(&killed)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let runs = killed.join("recover/runs");
    let count = |dir: &Path| {
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter(|e| {
                    !e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .starts_with('.')
                })
                .count()
            })
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while count(&runs) < 10 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = count(&runs);
    assert!(done >= 10, "killed after {done} runs");
    calibrate(&targets, &killed, &["--resume"]);
    for f in OUTPUTS {
        assert_eq!(
            read(&one.join("recover").join(f)),
            read(&killed.join("recover").join(f)),
            "{f} differs after a kill and resume"
        );
    }
}
