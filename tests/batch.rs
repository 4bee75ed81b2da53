//! Batches: the same bytes for any thread count and after a resume, stable run ids, paired
//! intervals narrower than unpaired ones, and bad batch files rejected before anything runs.

mod common;
use common::*;

use std::path::{Path, PathBuf};

const TABLES: [&str; 3] = ["summary.csv", "comparison.csv", "pit_counts.csv"];

fn batch(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    hjemsim_into("batch", file, out, extra)
}

fn ok(o: std::process::Output) -> std::process::Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn small() -> PathBuf {
    scenario("benchmarks/tracks-small.toml")
}

#[test]
fn batch_bytes_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    ok(batch(&small(), &tmp.path().join("a"), &["--threads", "1"]));
    ok(batch(&small(), &tmp.path().join("b"), &["--threads", "2"]));
    for t in TABLES {
        let a = read(&tmp.path().join("a/tracks-small").join(t));
        assert!(a.len() > 200, "{t} is suspiciously small");
        assert!(
            a == read(&tmp.path().join("b/tracks-small").join(t)),
            "{t} differs"
        );
    }
    assert_eq!(
        manifest_without_runtime(&tmp.path().join("a/tracks-small")),
        manifest_without_runtime(&tmp.path().join("b/tracks-small"))
    );
}

#[test]
fn resume_after_an_interruption_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ok(batch(&small(), &out, &["--threads", "2"]));
    let dir = out.join("tracks-small");
    let before: Vec<Vec<u8>> = TABLES.iter().map(|t| read(&dir.join(t))).collect();
    // An interruption: some runs never finished, one was half-written, the tables are gone.
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    for r in &runs[..4] {
        std::fs::remove_dir_all(r).unwrap();
    }
    let half = dir.join("runs/.tmp-deadbeef-1");
    std::fs::create_dir(&half).unwrap();
    std::fs::write(half.join("metrics.csv"), "metric,value\nhomeless_end,1\n").unwrap();
    for t in TABLES {
        std::fs::remove_file(dir.join(t)).unwrap();
    }
    let o = ok(batch(&small(), &out, &["--resume", "--threads", "2"]));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("4 run now, 14 kept"), "{said}");
    assert!(!half.exists(), "the half-written run was not cleared");
    for (t, b) in TABLES.iter().zip(&before) {
        assert!(read(&dir.join(t)) == *b, "{t} differs after resume");
    }
}

#[test]
fn run_ids_and_results_do_not_change_when_a_scenario_is_added() {
    let tmp = tempfile::tempdir().unwrap();
    let text = String::from_utf8(read(&small())).unwrap();
    let bigger = text.replace(
        r#"scenarios = ["../tracks/housing.toml", "../tracks/community.toml"]"#,
        r#"scenarios = ["../tracks/health.toml", "../tracks/housing.toml", "../tracks/community.toml"]"#,
    );
    assert_ne!(text, bigger);
    let bigger_path = scenario("benchmarks").join(".tracks-bigger.toml");
    std::fs::write(&bigger_path, &bigger).unwrap();
    let a = hjemsim::experiment::batch::plan(&small()).unwrap();
    let b = hjemsim::experiment::batch::plan(&bigger_path);
    let ran = batch(&bigger_path, &tmp.path().join("b"), &[]);
    std::fs::remove_file(&bigger_path).unwrap();
    let b = b.unwrap();
    ok(ran);
    assert_eq!(b.runs.len(), a.runs.len() + 6);
    for run in &a.runs {
        let label = &a.variants[run.variant].label;
        let twin = b
            .runs
            .iter()
            .find(|r| &b.variants[r.variant].label == label && r.replicate == run.replicate)
            .unwrap();
        assert_eq!(run.id, twin.id, "{label} replicate {}", run.replicate);
    }
    // Same id, same inputs: the run folders of the smaller batch are byte-identical.
    ok(batch(&small(), &tmp.path().join("a"), &[]));
    let housing = a
        .runs
        .iter()
        .find(|r| a.variants[r.variant].label == "track-housing")
        .unwrap();
    let metrics = |batch: &str| {
        read(
            &tmp.path()
                .join(batch)
                .join("tracks-small/runs")
                .join(&housing.id)
                .join("metrics.csv"),
        )
    };
    assert!(metrics("a").len() > 100);
    assert!(
        metrics("a") == metrics("b"),
        "a run changed when a scenario was added"
    );
}

#[test]
fn paired_intervals_are_narrower_than_unpaired_ones() {
    let tmp = tempfile::tempdir().unwrap();
    ok(batch(&small(), tmp.path(), &[]));
    let mut r = csv::Reader::from_path(tmp.path().join("tracks-small/comparison.csv")).unwrap();
    let (mut narrower, mut total) = (0, 0);
    for row in r.records() {
        let row = row.unwrap();
        if !row[2].starts_with("pit_18_29_") && row[2] != *"homeless_person_months" {
            continue;
        }
        let f = |k: usize| row[k].parse::<f64>().unwrap();
        total += 1;
        if f(5) - f(4) < f(7) - f(6) {
            narrower += 1;
        }
    }
    assert!(total >= 6, "only {total} comparisons");
    assert_eq!(narrower, total, "paired narrower in {narrower} of {total}");
}

#[test]
fn a_bad_batch_file_is_rejected_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "name = \"bad\"\nbaseline = \"{}\"\nreplicates = 2\nseed = 1\nscenarios = [\"nowhere.toml\"]\n",
            scenario("baseline.toml").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = batch(&bad, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nowhere.toml"));
    assert!(!out.exists());
    std::fs::write(
        &bad,
        "name = \"bad\"\nbaseline = \"x.toml\"\nreplicate = 2\nseed = 1\n",
    )
    .unwrap();
    let o = batch(&bad, &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("bad.toml:3:1") && err.contains("replicate"),
        "{err}"
    );
}

fn single_machine(tmp: &Path) -> PathBuf {
    ok(batch(&small(), &tmp.join("one"), &["--threads", "2"]));
    tmp.join("one/tracks-small")
}

fn merge(dirs: &[PathBuf], out: &Path) -> std::process::Output {
    let mut args = vec!["merge".to_string()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    args.extend(["--out".to_string(), out.display().to_string()]);
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    hjemsim(&args)
}

fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        assert!(read(&a.join(t)) == read(&b.join(t)), "{t} differs");
    }
    assert_eq!(manifest_without_runtime(a), manifest_without_runtime(b));
}

#[test]
fn three_shards_merged_equal_one_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let one = single_machine(tmp.path());
    let mut shards = Vec::new();
    let mut ran = 0;
    for i in 0..3 {
        let out = tmp.path().join(format!("shard-{i}"));
        let o = ok(batch(
            &small(),
            &out,
            &["--shard", &format!("{i}/3"), "--threads", "1"],
        ));
        let said = String::from_utf8_lossy(&o.stdout).to_string();
        ran += said
            .split(" runs:")
            .next()
            .unwrap()
            .rsplit('(')
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap();
        assert!(
            !out.join("tracks-small/summary.csv").exists(),
            "a shard wrote tables"
        );
        shards.push(out.join("tracks-small"));
    }
    assert_eq!(ran, 18, "the shards did not split the 18 runs");
    let merged = tmp.path().join("merged");
    ok(merge(&shards, &merged));
    assert_same_tables(&one, &merged.join("tracks-small"));
    // A missing shard, or the same shard twice, is refused.
    let o = merge(&shards[..2], &tmp.path().join("m2"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 2 of 3 appears 0 times"));
    let twice = [shards.clone(), vec![shards[0].clone()]].concat();
    let o = merge(&twice, &tmp.path().join("m3"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("appears 2 times"));
    // The folders given to `batch --shard --out` work as well as the batch folders inside them.
    let outs: Vec<PathBuf> = shards
        .iter()
        .map(|s| s.parent().unwrap().to_path_buf())
        .collect();
    let merged_outs = tmp.path().join("merged-outs");
    ok(merge(&outs, &merged_outs));
    assert_same_tables(&one, &merged_outs.join("tracks-small"));
}

#[test]
fn the_metrics_known_before_a_run_are_the_metrics_it_writes() {
    // --precision's --metric is checked against these before anything runs.
    for file in ["benchmarks/tracks-small.toml", "benchmarks/report.toml"] {
        let tmp = tempfile::tempdir().unwrap();
        ok(batch(&scenario(file), tmp.path(), &[]));
        let plan = hjemsim::experiment::batch::plan(&scenario(file)).unwrap();
        let dir = tmp.path().join(&plan.file.name);
        for (v, variant) in plan.variants.iter().enumerate() {
            let mut r = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
            let written: Vec<String> = r
                .records()
                .map(|x| x.unwrap())
                .filter(|x| x[0] == *variant.label)
                .map(|x| x[1].to_string())
                .collect();
            assert_eq!(
                hjemsim::experiment::metric_names(&plan.setup(v).unwrap()),
                written,
                "{file}: {}",
                variant.label
            );
        }
    }
}

#[test]
fn an_emulated_slurm_array_with_shard_auto_merges_to_one_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let one = single_machine(tmp.path());
    // As `sbatch --array=10-13` would start them: ids 10..13, min 10, count 4, one shared folder.
    let shared = tmp.path().join("array");
    for id in 10..14 {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_hjemsim"))
            .args([
                "batch",
                small().to_str().unwrap(),
                "--shard",
                "auto",
                "--out",
                shared.to_str().unwrap(),
            ])
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_MIN", "10")
            .env("SLURM_ARRAY_TASK_COUNT", "4")
            .output()
            .unwrap();
        ok(o);
    }
    let merged = tmp.path().join("merged");
    ok(merge(&[shared.join("tracks-small")], &merged));
    assert_same_tables(&one, &merged.join("tracks-small"));
    // And a Kubernetes Indexed Job's index without a count is a usage error.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hjemsim"))
        .args([
            "batch",
            small().to_str().unwrap(),
            "--shard",
            "auto",
            "--out",
        ])
        .arg(tmp.path().join("k8s"))
        .env("JOB_COMPLETION_INDEX", "0")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("HJEMSIM_SHARD_COUNT"));
}

#[test]
fn precision_adds_replicates_until_the_interval_is_narrow_enough_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &str, threads: &str| {
        let o = ok(batch(
            &small(),
            &tmp.path().join(dir),
            &[
                "--precision",
                "30",
                "--metric",
                "pit_18_29_2017",
                "--max-replicates",
                "60",
                "--threads",
                threads,
            ],
        ));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let said = run("a", "1");
    let line = said.lines().find(|l| l.starts_with("precision:")).unwrap();
    let replicates: u32 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let half: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    // The file asks for 6; 6 are not enough at this scale, so it added some, and stopped as
    // soon as the widest paired half-width was at most 30, before the maximum.
    assert!(
        replicates > 6 && replicates < 60 && replicates.is_multiple_of(6),
        "{line}"
    );
    assert!(half <= 30.0, "{line}");
    // The comparison holds exactly that many replicates per scenario.
    let comparison =
        String::from_utf8(read(&tmp.path().join("a/tracks-small/comparison.csv"))).unwrap();
    assert!(
        comparison
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(&format!(",{replicates}"))
    );
    // Same bytes with another thread count.
    run("b", "2");
    for t in TABLES {
        assert!(
            read(&tmp.path().join("a/tracks-small").join(t))
                == read(&tmp.path().join("b/tracks-small").join(t)),
            "{t} differs"
        );
    }
}

#[test]
fn peak_memory_does_not_grow_with_the_number_of_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let peak = |replicates: u32| {
        let file = tmp.path().join(format!("rss-{replicates}.toml"));
        std::fs::write(
            &file,
            format!(
                "name = \"rss\"\nbaseline = \"{}\"\nscenarios = [\"{}\"]\nreplicates = {replicates}\nseed = 3\n\n[set]\n\"run.scale\" = 0.25\n\"run.start\" = \"2015-01\"\n\"run.end\" = \"2015-12\"\n\"run.burn_in_months\" = 12\n",
                scenario("baseline.toml").display(),
                scenario("tracks/housing.toml").display()
            ),
        )
        .unwrap();
        // On one thread, the least of three runs: a batch's peak also holds what the allocator
        // kept under the timing of its threads. With mimalloc (src/memory.rs), which keeps what
        // a thread frees in that thread's pages, the peak of the same 2-thread batch moved by
        // up to 34 MB from run to run (190-208 MB for 20 runs, 192-226 MB for 80; 161-188 and
        // 168-214 MB with its huge pages off), as much as the growth this test looks for; on one
        // thread the same batches peak at 169-173 and 171 MB.
        (0..3)
            .map(|k| {
                let out = tmp.path().join(format!("out-{replicates}-{k}"));
                ok(batch(&file, &out, &["--threads", "1"]));
                let m: serde_json::Value =
                    serde_json::from_slice(&read(&out.join("rss/manifest.json"))).unwrap();
                assert_eq!(m["runs"].as_array().unwrap().len() as u32, 2 * replicates);
                m["runtime"]["peak_rss_kb"]
                    .as_u64()
                    .expect("peak RSS reported")
            })
            .min()
            .expect("three runs")
    };
    // 20 runs against 80, not 4 against 40: an allocator takes the first runs of a batch to
    // settle (glibc's arenas, 4 -> 20 -> 40 -> 80 runs: 78.4-79.5, 81.4-82.3, 82.7-83.4,
    // 82.7-84.5 MB; CI once had 75.7 MB for 4 runs and 84.2 MB for 40), and that warm-up is not
    // the growth this test is about. The bound is what the smallest thing a batch could wrongly keep for
    // each run would add over the 60 runs between the two: its monthly record (12 months, 98
    // municipalities, one `MonthCounts` each, about 1 MB a run; its people at this scale are about
    // 13 MB), halved. (A smaller leak, a 12 KB copy of the synthesis inputs a run, was found
    // with valgrind's massif, not with this test: heap peaks 8.25 / 8.72 MB for 4 / 40 runs
    // before, 8.211 / 8.216 MB after.)
    let (twenty, eighty) = (peak(10), peak(40));
    let record_kib = (12 * 98 * std::mem::size_of::<hjemsim::metrics::MonthCounts>()) as u64 / 1024;
    let bound_kib = 60 * record_kib / 2;
    eprintln!(
        "peak RSS: 20 runs {twenty} KiB, 80 runs {eighty} KiB; bound on the growth {bound_kib} KiB"
    );
    assert!(
        eighty < twenty + bound_kib,
        "peak RSS {twenty} KiB for 20 runs, {eighty} KiB for 80 runs: grew by at least half of \
         what keeping each run's monthly record would add ({bound_kib} KiB)"
    );
}

fn completed_runs(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_batch_killed_in_the_middle_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("kill.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"kill\"\nbaseline = \"{}\"\nscenarios = [\"{}\"]\nreplicates = 12\nseed = 9\n\n[set]\n\"run.scale\" = 0.25\n\"run.start\" = \"2015-01\"\n\"run.end\" = \"2016-12\"\n\"run.burn_in_months\" = 12\n",
            scenario("baseline.toml").display(),
            scenario("tracks/community.toml").display()
        ),
    )
    .unwrap();
    let whole = tmp.path().join("whole");
    ok(batch(&file, &whole, &["--threads", "2"]));
    let killed = tmp.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hjemsim"))
        .args([
            "batch",
            file.to_str().unwrap(),
            "--threads",
            "2",
            "--progress",
            "never",
            "--out",
        ])
        .arg(&killed)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let runs = killed.join("kill/runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while completed_runs(&runs) < 4 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no chance to tidy up
    child.wait().unwrap();
    let done = completed_runs(&runs);
    assert!((4..24).contains(&done), "killed after {done} of 24 runs");
    assert!(!killed.join("kill/summary.csv").exists());
    let o = ok(batch(&file, &killed, &["--resume", "--threads", "2"]));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains(&format!("{} kept", done)), "{said}");
    for t in TABLES {
        assert!(
            read(&whole.join("kill").join(t)) == read(&killed.join("kill").join(t)),
            "{t} differs after a kill and resume"
        );
    }
}

fn file_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        total += if p.is_dir() {
            file_bytes(&p)
        } else {
            std::fs::metadata(&p).unwrap().len()
        };
    }
    total
}

#[test]
fn estimate_counts_the_runs_and_projects_the_output_size() {
    let e = hjemsim::experiment::estimate::estimate(&small(), 2, 6).unwrap();
    assert_eq!(e.runs, 18);
    assert_eq!(e.scenarios, 3);
    assert!(e.seconds_per_month > 0.0 && e.core_seconds > 0.0);
    let tmp = tempfile::tempdir().unwrap();
    ok(batch(&small(), tmp.path(), &[]));
    let actual = file_bytes(&tmp.path().join("tracks-small"));
    let ratio = e.output_bytes as f64 / actual as f64;
    assert!(
        (0.65..=1.35).contains(&ratio),
        "projected {} bytes, wrote {actual}",
        e.output_bytes
    );
    let o = ok(hjemsim(&["estimate", small().to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("18 runs"));
}

#[test]
fn a_grid_sweep_runs_every_point_against_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sweep.toml");
    std::fs::write(
        &file,
        format!(
            r#"name = "sweep"
baseline = "{base}"
replicates = 3
seed = 4

[set]
"run.scale" = 0.05
"run.start" = "2015-01"
"run.end" = "2016-12"
"run.burn_in_months" = 12

[[sweeps]]
scenario = "{base}"
design = "grid"
[sweeps.axes]
"housing.segments.almene_cheap.allocation_share" = [0.4, 0.6]
"allocation.offer_acceptance" = [0.9]
"#,
            base = scenario("baseline.toml").display()
        ),
    )
    .unwrap();
    let v = ok(hjemsim(&["validate", file.to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&v.stdout).contains("3 scenarios, 9 runs"));
    ok(batch(&file, tmp.path(), &[]));
    let point = "baseline[allocation.offer_acceptance=0.9,housing.segments.almene_cheap.allocation_share=0.6]";
    let mut r = csv::Reader::from_path(tmp.path().join("sweep/comparison.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let labels: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
    let row = rows
        .iter()
        .find(|r| &r[0] == point && &r[2] == "exits_allocation")
        .unwrap_or_else(|| panic!("no row for {point}: {labels:?}"));
    // A larger allocation share and more acceptances: more young people rehoused.
    let diff: f64 = row[3].parse().unwrap();
    assert!(diff > 0.0, "{row:?}");
}

/// A two-draw posterior of the direct entry rate, far apart, and a small batch that uses it.
fn posterior_batch(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("posterior.csv"),
        "particle,weight,distance,entry.baseline_monthly\ng0-0,0.5,1.0,0.00003\ng0-1,0.5,1.2,0.0004\n",
    )
    .unwrap();
    let file = dir.join("posterior-batch.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"drawn\"\nbaseline = \"{}\"\nscenarios = [\"{}\"]\nreplicates = 8\nseed = 3\nposterior = \"posterior.csv\"\n\n[set]\n\"run.scale\" = 0.05\n\"run.start\" = \"2015-01\"\n\"run.end\" = \"2016-12\"\n\"run.burn_in_months\" = 12\n",
            scenario("baseline.toml").display(),
            scenario("tracks/community.toml").display()
        ),
    )
    .unwrap();
    file
}

#[test]
fn posterior_draws_pair_scenarios_by_replicate_and_widen_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let file = posterior_batch(tmp.path());
    let plan = hjemsim::experiment::batch::plan(&file).unwrap();
    let value = |spec: &hjemsim::experiment::batch::RunSpec| {
        plan.setup_of(spec).unwrap().scenario.entry.baseline_monthly
    };
    let mut seen = std::collections::BTreeSet::new();
    for r in 0..8 {
        let runs: Vec<_> = plan.runs.iter().filter(|s| s.replicate == r).collect();
        assert_eq!(runs.len(), 2);
        // Replicate r of every scenario takes the same draw.
        assert_eq!(value(runs[0]), value(runs[1]), "replicate {r}");
        seen.insert(value(runs[0]).to_bits());
    }
    assert_eq!(seen.len(), 2, "8 replicates should meet both draws");

    // Same bytes twice; and the draws' spread shows in the baseline's sd.
    let a = tmp.path().join("a");
    ok(batch(&file, &a, &["--threads", "2"]));
    let b = tmp.path().join("b");
    ok(batch(&file, &b, &["--threads", "1"]));
    for t in TABLES {
        assert!(
            read(&a.join("drawn").join(t)) == read(&b.join("drawn").join(t)),
            "{t} differs"
        );
    }
    let sd = |dir: &Path| -> f64 {
        let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("baseline,homeless_entries,"))
            .unwrap();
        line.split(',').nth(3).unwrap().parse().unwrap()
    };
    let plain_file = tmp.path().join("plain.toml");
    std::fs::write(
        &plain_file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("posterior = \"posterior.csv\"\n", ""),
    )
    .unwrap();
    let plain = tmp.path().join("plain");
    ok(batch(&plain_file, &plain, &[]));
    let (with, without) = (sd(&a.join("drawn")), sd(&plain.join("drawn")));
    assert!(
        with > 2.0 * without,
        "posterior draws should widen the spread: sd {with} with, {without} without"
    );
    // --posterior on the command line does the same as the file's key.
    let flag = tmp.path().join("flag");
    ok(batch(
        &plain_file,
        &flag,
        &[
            "--posterior",
            tmp.path().join("posterior.csv").to_str().unwrap(),
        ],
    ));
    for t in TABLES {
        assert!(
            read(&a.join("drawn").join(t)) == read(&flag.join("drawn").join(t)),
            "{t} differs"
        );
    }
}

#[test]
fn a_batchs_scenarios_share_one_population_synthesis_with_the_same_result() {
    use hjemsim::engine::{run_replicate, run_replicate_from};
    use hjemsim::model::StartingPopulation;
    // The main job: policy levers are not inputs of synthesis, so all eight scenarios start
    // from one synthesis per replicate. A lever that moved into them would end the sharing
    // silently (and cost a synthesis per run): this fails first.
    let main = hjemsim::experiment::batch::plan(&scenario("action-tracks.toml")).unwrap();
    let inputs = main.setup(0).unwrap().synthesis_inputs();
    for (v, variant) in main.variants.iter().enumerate() {
        assert!(
            main.setup(v).unwrap().synthesis_inputs() == inputs,
            "{} synthesises its own population",
            variant.label
        );
    }
    // A run from another scenario's synthesis is the run from its own, month by month.
    let plan = hjemsim::experiment::batch::plan(&small()).unwrap();
    let (baseline, policy) = (
        plan.setup(0).unwrap(),
        plan.setup(plan.variants.len() - 1).unwrap(),
    );
    let shared = StartingPopulation::synthesise(&baseline, 9, 1);
    let a = run_replicate_from(&policy, shared, &|| {});
    let b = run_replicate(&policy, 9, 1, &|| {});
    assert_eq!(format!("{:?}", a.months), format!("{:?}", b.months));
    // ... and differs from another replicate's (the comparison can fail).
    let c = run_replicate(&policy, 9, 2, &|| {});
    assert_ne!(format!("{:?}", a.months), format!("{:?}", c.months));
}

/// A sweep of the baseline over `values` of the offer acceptance, 1 replicate at scale 0.001
/// over the whole history (a setup of about 9 MB: its parameters change nearly every month).
/// `set` adds lines to the batch's `[set]`.
fn acceptance_sweep(dir: &Path, name: &str, values: &[f64], set: &str) -> PathBuf {
    let file = dir.join(format!("{name}.toml"));
    let values: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    std::fs::write(
        &file,
        format!(
            "name = \"{name}\"\nbaseline = \"{base}\"\nreplicates = 1\nseed = 6\n\n[set]\n\"run.scale\" = 0.001\n{set}\n[[sweeps]]\nscenario = \"{base}\"\ndesign = \"grid\"\naxes = {{ \"allocation.offer_acceptance\" = [{}] }}\n",
            values.join(", "),
            base = scenario("baseline.toml").display()
        ),
    )
    .unwrap();
    file
}

/// Enough points of [`acceptance_sweep`] that their setups do not fit in `SETUP_MEMORY`.
fn too_many_points(dir: &Path) -> Vec<f64> {
    use hjemsim::experiment::batch::{SETUP_MEMORY, plan};
    let one = plan(&acceptance_sweep(dir, "one", &[0.5], "")).unwrap();
    let points = (SETUP_MEMORY / one.prepared[0].bytes) as usize + 2;
    (0..points).map(|k| 0.5 + 0.005 * k as f64).collect()
}

#[test]
fn a_sweep_too_large_to_keep_its_setups_gives_the_runs_it_gives_keeping_them() {
    use hjemsim::experiment::batch::plan;
    let tmp = tempfile::tempdir().unwrap();
    let values = too_many_points(tmp.path());
    let points = values.len();
    let large = acceptance_sweep(tmp.path(), "large", &values, "");
    let kept = plan(&large).unwrap();
    assert!(!kept.keeps_every_setup(), "{points} points all kept");
    assert!(
        kept.prepared[0].is_kept(),
        "the baseline's setup is always kept"
    );
    // Two of its points in a batch that keeps its setups.
    let small = acceptance_sweep(tmp.path(), "small", &[values[1], values[points - 1]], "");
    assert!(plan(&small).unwrap().keeps_every_setup());
    ok(batch(&large, tmp.path(), &["--threads", "2"]));
    ok(batch(&small, tmp.path(), &["--threads", "2"]));
    // The same run ids in both, and the same bytes in every file of their folders.
    let runs = |name: &str| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(tmp.path().join(name).join("runs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let (large_runs, small_runs) = (runs("large"), runs("small"));
    assert_eq!(large_runs.len(), points + 1);
    assert_eq!(small_runs.len(), 3);
    for run in &small_runs {
        let twin = tmp.path().join("large/runs").join(run.file_name().unwrap());
        assert!(
            twin.exists(),
            "{} is not among the large sweep's runs",
            run.display()
        );
        for file in std::fs::read_dir(run).unwrap() {
            let file = file.unwrap().path();
            let name = file.file_name().unwrap();
            assert!(
                read(&file) == read(&twin.join(name)),
                "{:?} of run {:?} differs",
                name,
                run.file_name().unwrap()
            );
        }
    }
}

#[test]
fn a_setup_made_again_from_a_changed_municipality_table_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("municipalities.csv");
    std::fs::copy(scenario("data/municipalities.csv"), &table).unwrap();
    let values = too_many_points(tmp.path());
    let file = acceptance_sweep(
        tmp.path(),
        "large",
        &values,
        &format!("\"data.municipalities\" = \"{}\"", table.display()),
    );
    let plan = hjemsim::experiment::batch::plan(&file).unwrap();
    assert!(!plan.keeps_every_setup());
    assert!(plan.setup(1).is_ok(), "made again from an unchanged table");
    // The table changes while the batch runs: one more young person in its first municipality.
    let text = std::fs::read_to_string(&table).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "population_18_29")
        .unwrap();
    let mut first: Vec<String> = lines[1].split(',').map(String::from).collect();
    first[column] = (first[column].parse::<u64>().unwrap() + 1).to_string();
    lines[1] = first.join(",");
    std::fs::write(&table, lines.join("\n") + "\n").unwrap();
    let error = plan
        .setup(1)
        .expect_err("a changed table is refused")
        .to_string();
    assert!(error.contains("changed since the batch"), "{error}");
    // The baseline's setup is kept, so it is not made again.
    assert!(plan.setup(0).is_ok());
}

#[test]
fn a_sweep_of_many_variants_holds_a_groups_setups_not_all_of_them() {
    use hjemsim::experiment::batch::SETUP_MEMORY;
    let tmp = tempfile::tempdir().unwrap();
    // Three times as many points as fit: holding every setup would add three budgets.
    let fit = too_many_points(tmp.path()).len() - 2;
    let values: Vec<f64> = (0..3 * fit).map(|k| 0.3 + 0.002 * k as f64).collect();
    let peak = |name: &str, values: &[f64]| {
        let file = acceptance_sweep(tmp.path(), name, values, "");
        ok(batch(&file, tmp.path(), &["--threads", "2"]));
        let m: serde_json::Value =
            serde_json::from_slice(&read(&tmp.path().join(name).join("manifest.json"))).unwrap();
        m["runtime"]["peak_rss_kb"]
            .as_u64()
            .expect("peak RSS reported")
            * 1024
    };
    let one = peak("one-point", &values[..1]);
    let many = peak("many-points", &values);
    // A group's setups take at most SETUP_MEMORY by their estimate, and commit at most 1.5 times
    // it (tests/setup_memory.rs); the runs themselves add what one variant's batch holds.
    let bound = one + SETUP_MEMORY * 3 / 2;
    eprintln!(
        "peak RSS: 1 point {} MB, {} points {} MB; bound {} MB",
        one >> 20,
        values.len(),
        many >> 20,
        bound >> 20
    );
    assert!(
        many < bound,
        "{} points peaked at {} MB, over one point's {} MB and one budget's setups",
        values.len(),
        many >> 20,
        one >> 20
    );
}

#[test]
fn a_shard_starting_late_leaves_the_other_shards_runs_being_written() {
    use hjemsim::experiment::shard::Shard;
    let tmp = tempfile::tempdir().unwrap();
    let plan = hjemsim::experiment::batch::plan(&small()).unwrap();
    let (first, second) = (
        Shard::parse("0/2", |_| None).unwrap(),
        Shard::parse("1/2", |_| None).unwrap(),
    );
    let of = |s: Shard| {
        plan.runs
            .iter()
            .find(|r| s.owns(&r.id))
            .expect("each shard owns a run")
            .id
            .clone()
    };
    // Shard 1/2 is writing one of its runs (its staging folder, as `output::Staging` names it),
    // and shard 0/2 left one of its own half-written when it was killed.
    let runs = tmp.path().join("tracks-small/runs");
    std::fs::create_dir_all(&runs).unwrap();
    let writing = runs.join(format!(".tmp-{}-4242", of(second)));
    let left = runs.join(format!(".tmp-{}-4141", of(first)));
    for d in [&writing, &left] {
        std::fs::create_dir(d).unwrap();
        std::fs::write(d.join("metrics.csv"), "partial").unwrap();
    }
    ok(batch(
        &small(),
        tmp.path(),
        &["--shard", "0/2", "--threads", "2"],
    ));
    assert!(
        writing.join("metrics.csv").exists(),
        "shard 0/2 cleared a run shard 1/2 was writing"
    );
    assert!(!left.exists(), "shard 0/2 kept its own half-written run");
}
