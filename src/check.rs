//! `hjemsim check`: regression checks for model authors. Every benchmark in a folder
//! (`scenarios/benchmarks/` by default: small scenarios, a trial and batches that together cover
//! support, the network, budgets, the trial, rollout, dated changes and a sweep) is run and held
//! against its committed golden file (`golden/<benchmark>.json`) in two tiers:
//!
//! * **exact** — each benchmark runs twice, on 1 thread and on 2, and every output file must have
//!   the same digest both times (a determinism guard that needs no golden); the digests are also
//!   compared with the golden's, which must match when the golden was made by this very binary
//!   revision, and are otherwise reported (a model or platform change);
//! * **statistical** — every summary metric must lie within `k` standard errors of the golden's
//!   (the standard error of the difference of two means over replicates, `k` = 4 by default), so
//!   an intended model change shows as "metric X of S moved from A to B (z = …)" and an unintended
//!   one fails. A metric that appears or disappears fails too.
//!
//! `--update` rewrites the goldens and prints what moved. Exit code 0 when everything holds, 1
//! on a regression, 2 on bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::commands::RunOptions;
use crate::error::Error;
use crate::output::OutputError;
use crate::prepare::Progress;

/// Options of `hjemsim check`.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The benchmark folder; goldens are in its `golden/`.
    pub dir: PathBuf,
    /// Where the benchmarks' outputs go (replaced on every check).
    pub out: PathBuf,
    pub update: bool,
    /// Band of the statistical tier, in standard errors.
    pub k: f64,
}

/// One metric of a golden: mean and standard error over replicates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Metric {
    pub scenario: String,
    pub metric: String,
    pub mean: f64,
    pub se: f64,
}

/// A benchmark's golden file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Golden {
    pub benchmark: String,
    pub hjemsim_version: String,
    pub git_revision: String,
    pub target: String,
    /// Digest of what the benchmark resolved to: its manifest without outputs, runtime and
    /// revision (the resolved scenarios, data digests, seed, replicates).
    pub inputs: String,
    /// Output file (relative to the benchmark's folder) -> blake3 digest.
    pub outputs: BTreeMap<String, String>,
    pub metrics: Vec<Metric>,
}

/// What a check found.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// What to print, in order.
    pub lines: Vec<String>,
    /// Regressions (0 = the check passed).
    pub failures: usize,
    pub benchmarks: usize,
    pub metrics: usize,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::Output(OutputError::new(context, e))
}

/// The benchmark files of `dir`: every `*.toml`, by name.
fn benchmarks(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            Error::Usage(format!(
                "{}: cannot read the benchmark folder ({e}); allowed: a folder of scenario and batch files",
                dir.display()
            ))
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no *.toml benchmark files",
            dir.display()
        )));
    }
    Ok(files)
}

fn is_batch(path: &Path) -> bool {
    crate::experiment::files::has_keys(path, &["baseline", "replicates"])
}

/// Runs one benchmark into `out` with `threads`; returns the folder it wrote.
fn run_one(file: &Path, out: &Path, threads: usize) -> Result<PathBuf, Error> {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(io(format!("clearing {}", out.display())))?;
    }
    if is_batch(file) {
        let report = crate::experiment::run_batch(&crate::experiment::BatchOptions {
            batch: file.to_path_buf(),
            out: out.to_path_buf(),
            threads,
            resume: false,
            progress: Progress::Never,
            shard: None,
            precision: None,
            posterior: None,
            replicates: None,
        })?;
        Ok(report.dir)
    } else {
        let report = crate::commands::run(&RunOptions {
            scenario: file.to_path_buf(),
            sets: Vec::new(),
            threads,
            out: out.to_path_buf(),
            progress: Progress::Never,
        })?;
        Ok(report.dir)
    }
}

/// Digests of every table a benchmark wrote (run folders aside; `manifest.json` without its
/// runtime block, the only part allowed to differ). The revision stamp and the benchmark
/// folder's path as given are not results: they are replaced before digesting, so a golden made
/// one commit earlier, or from another working directory, still matches.
fn digests(dir: &Path, bench_dir: &Path) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(format!("reading {}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = if name == "manifest.json" {
            manifest_without(&p, &["runtime", "git_revision"])?
        } else {
            std::fs::read(&p).map_err(io(format!("reading {}", p.display())))?
        };
        out.insert(name, digest(bytes, bench_dir));
    }
    Ok(out)
}

/// Digest of a benchmark folder's resolved inputs: `manifest.json` without the parts that are
/// results or stamps.
fn inputs_digest(dir: &Path, bench_dir: &Path) -> Result<String, Error> {
    let bytes = manifest_without(
        &dir.join("manifest.json"),
        &[
            "runtime",
            "git_revision",
            "outputs",
            "hjemsim_version",
            "target",
        ],
    )?;
    Ok(digest(bytes, bench_dir))
}

/// A `manifest.json` without the top-level `keys`, as compact JSON.
fn manifest_without(path: &Path, keys: &[&str]) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(path).map_err(io(format!("reading {}", path.display())))?;
    let mut v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| io(format!("reading {}", path.display()))(std::io::Error::other(e)))?;
    if let Some(o) = v.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    Ok(serde_json::to_vec(&v).expect("JSON serializes"))
}

/// The blake3 digest of `bytes` with the revision stamp and the benchmark folder's path masked.
fn digest(bytes: Vec<u8>, bench_dir: &Path) -> String {
    let masked = match String::from_utf8(bytes) {
        Ok(text) => text
            .replace(crate::output::manifest::git_revision(), "REVISION")
            .replace(&bench_dir.display().to_string(), "BENCHMARKS")
            .into_bytes(),
        Err(e) => e.into_bytes(),
    };
    blake3::hash(&masked).to_hex().to_string()
}

/// The summary metrics of a benchmark's folder: `summary.csv` (mean, sd over replicates), or a
/// trial's `trial.csv` (mean and 95 % interval over the cohort).
fn metrics(dir: &Path) -> Result<Vec<Metric>, Error> {
    use crate::report::data::{Table, number};
    let get = |r: &BTreeMap<&str, &str>, k: &str| number(r.get(k).unwrap_or(&""));
    let text = |r: &BTreeMap<&str, &str>, k: &str| r.get(k).unwrap_or(&"").to_string();
    let mut out = Vec::new();
    if dir.join("summary.csv").exists() {
        for r in Table::read(&dir.join("summary.csv"))?.records() {
            let (n, sd) = (get(&r, "replicates"), get(&r, "sd"));
            out.push(Metric {
                scenario: text(&r, "scenario"),
                metric: text(&r, "metric"),
                mean: get(&r, "mean"),
                se: if sd.is_finite() && n > 0.0 {
                    sd / n.sqrt()
                } else {
                    0.0
                },
            });
        }
    } else if dir.join("trial.csv").exists() {
        for r in Table::read(&dir.join("trial.csv"))?.records() {
            let (lo, hi) = (
                get(&r, "homeless_nights_ci_low"),
                get(&r, "homeless_nights_ci_high"),
            );
            out.push(Metric {
                scenario: text(&r, "arm"),
                metric: "homeless_nights_mean".into(),
                mean: get(&r, "homeless_nights_mean"),
                se: ((hi - lo) / (2.0 * 1.96)).max(0.0),
            });
        }
    }
    Ok(out)
}

/// How far `new` is from `old`, in standard errors of the difference.
pub fn z(old: &Metric, new: &Metric) -> f64 {
    let d = new.mean - old.mean;
    let se = (old.se * old.se + new.se * new.se).sqrt();
    if d == 0.0 || (d.is_nan() && old.mean.is_nan() && new.mean.is_nan()) {
        0.0
    } else if se > 0.0 {
        d / se
    } else {
        f64::INFINITY.copysign(d)
    }
}

fn golden_path(dir: &Path, file: &Path) -> PathBuf {
    let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
    dir.join("golden").join(format!("{stem}.json"))
}

/// `hjemsim check [--update]`.
pub fn check(opts: &CheckOptions) -> Result<CheckReport, Error> {
    if !(opts.k.is_finite() && opts.k > 0.0) {
        return Err(Error::Usage(format!(
            "--k {}: allowed a positive number of standard errors",
            opts.k
        )));
    }
    let files = benchmarks(&opts.dir)?;
    // Every benchmark file is checked before anything runs.
    for f in &files {
        if is_batch(f) {
            crate::experiment::batch::plan(f)?;
        } else {
            crate::prepare::prepare(f, &[])?;
        }
    }
    let mut report = CheckReport::default();
    let revision = crate::output::manifest::git_revision().to_string();
    let target = crate::output::manifest::target().to_string();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let started = std::time::Instant::now();
        let one = run_one(file, &opts.out.join(format!("{stem}-1")), 1)?;
        let two = run_one(file, &opts.out.join(format!("{stem}-2")), 2)?;
        let seconds = started.elapsed().as_secs_f64();
        let (d1, d2) = (digests(&one, &opts.dir)?, digests(&two, &opts.dir)?);
        report.benchmarks += 1;
        if d1 != d2 {
            let differ: Vec<&String> = d1
                .keys()
                .chain(d2.keys())
                .filter(|k| d1.get(*k) != d2.get(*k))
                .collect();
            report.failures += 1;
            report.lines.push(format!(
                "FAIL {name}: exact: 1 and 2 threads give other bytes in {differ:?} (determinism)"
            ));
        }
        let now = Golden {
            benchmark: stem.clone(),
            hjemsim_version: env!("CARGO_PKG_VERSION").to_string(),
            git_revision: revision.clone(),
            target: target.clone(),
            inputs: inputs_digest(&one, &opts.dir)?,
            outputs: d1,
            metrics: metrics(&one)?,
        };
        report.metrics += now.metrics.len();
        let path = golden_path(&opts.dir, file);
        let old: Option<Golden> = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let Some(old) = old else {
            if opts.update {
                write_golden(&path, &now)?;
                report.lines.push(format!(
                    "{name}: new golden with {} metrics ({seconds:.1} s)",
                    now.metrics.len()
                ));
            } else {
                report.failures += 1;
                report.lines.push(format!(
                    "FAIL {name}: no golden at {} (make it with `hjemsim check --update`)",
                    path.display()
                ));
            }
            continue;
        };
        // Exact tier against the golden.
        let same_outputs = old.outputs == now.outputs;
        // Same binary and same inputs: the bytes must be the same (determinism).
        let same_binary = old.git_revision == revision
            && old.target == target
            && revision != "unknown"
            && old.inputs == now.inputs;
        let exact = if same_outputs {
            format!("exact: {} outputs as the golden", now.outputs.len())
        } else if same_binary && !opts.update {
            report.failures += 1;
            format!(
                "FAIL exact: the golden's binary ({revision}) and inputs now give other bytes in {:?}",
                now.outputs
                    .keys()
                    .filter(|k| old.outputs.get(*k) != now.outputs.get(*k))
                    .collect::<Vec<_>>()
            )
        } else {
            format!(
                "exact: outputs differ from the golden's (made by {} {}{}; the model, its inputs or the platform changed)",
                old.git_revision,
                old.target,
                if old.inputs == now.inputs {
                    ""
                } else {
                    " from other inputs"
                }
            )
        };
        // Statistical tier.
        let mut moved = Vec::new();
        let key = |m: &Metric| (m.scenario.clone(), m.metric.clone());
        let olds: BTreeMap<(String, String), &Metric> =
            old.metrics.iter().map(|m| (key(m), m)).collect();
        let news: BTreeMap<(String, String), &Metric> =
            now.metrics.iter().map(|m| (key(m), m)).collect();
        let mut bad = 0;
        for (k, n) in &news {
            match olds.get(k) {
                Some(o) => {
                    let z = z(o, n);
                    if z != 0.0 {
                        let over = z.abs() > opts.k;
                        bad += over as usize;
                        moved.push((
                            over,
                            format!(
                                "{} metric {} of {} moved from {} to {} (z = {:+.2}{})",
                                match (over, opts.update) {
                                    (true, false) => "  FAIL",
                                    (true, true) => " MOVED",
                                    _ => "      ",
                                },
                                k.1,
                                k.0,
                                o.mean,
                                n.mean,
                                z,
                                if over { ", beyond the band" } else { "" }
                            ),
                        ));
                    }
                }
                None => {
                    bad += 1;
                    moved.push((
                        true,
                        format!("  FAIL metric {} of {} is new ({})", k.1, k.0, n.mean),
                    ));
                }
            }
        }
        for k in olds.keys().filter(|k| !news.contains_key(*k)) {
            bad += 1;
            moved.push((true, format!("  FAIL metric {} of {} is gone", k.1, k.0)));
        }
        let status = if bad > 0 && !opts.update {
            report.failures += 1;
            "FAIL "
        } else {
            ""
        };
        report.lines.push(format!(
            "{status}{name}: {exact}; statistical: {} of {} metrics moved, {bad} beyond ±{} standard errors ({seconds:.1} s)",
            moved.len(),
            now.metrics.len(),
            opts.k
        ));
        // The metrics beyond the band first, then the rest that moved (at most 20 lines).
        moved.sort_by_key(|(over, _)| !*over);
        let shown = moved.len().min(20);
        report
            .lines
            .extend(moved.iter().take(shown).map(|(_, l)| l.clone()));
        if moved.len() > shown {
            report
                .lines
                .push(format!("        … and {} more", moved.len() - shown));
        }
        if opts.update && (old != now) {
            write_golden(&path, &now)?;
            report
                .lines
                .push(format!("{name}: golden updated ({})", path.display()));
        }
    }
    Ok(report)
}

impl std::fmt::Display for CheckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        for l in &self.lines {
            writeln!(f, "{l}")?;
        }
        write!(
            f,
            "{} benchmarks, {} metrics: {}",
            self.benchmarks,
            self.metrics,
            if self.failures == 0 {
                "ok".to_string()
            } else {
                format!("{} regressions", self.failures)
            }
        )
    }
}

impl crate::commands::Outcome for CheckReport {
    fn exit_code(&self) -> i32 {
        if self.failures == 0 { 0 } else { 1 }
    }
}

fn write_golden(path: &Path, g: &Golden) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
    }
    let mut json = serde_json::to_string_pretty(g).expect("golden serializes");
    json.push('\n');
    crate::output::write_atomic(path, json.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(mean: f64, se: f64) -> Metric {
        Metric {
            scenario: "s".into(),
            metric: "x".into(),
            mean,
            se,
        }
    }

    #[test]
    fn z_is_the_difference_in_standard_errors_of_the_difference() {
        assert_eq!(z(&m(10.0, 3.0), &m(15.0, 4.0)), 1.0);
        assert_eq!(z(&m(10.0, 0.0), &m(10.0, 0.0)), 0.0);
        assert_eq!(z(&m(10.0, 0.0), &m(11.0, 0.0)), f64::INFINITY);
        assert_eq!(z(&m(f64::NAN, 0.0), &m(f64::NAN, 0.0)), 0.0);
    }
}
