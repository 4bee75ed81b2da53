//! Experiments: batches of runs ([`batch`]), run in parallel, each finished run written to its own
//! folder atomically, then summarised and compared with the baseline ([`compare`]).
//!
//! Layout of `<out>/<batch name>/`:
//!
//! * `runs/<run id>/` — one folder per finished run: `metrics.csv`, `pit_counts.csv`, `run.json`
//!   (and `monthly.csv` if the batch asks). A folder appears whole (renamed into place) or not at
//!   all, so an interrupted batch never counts a half-written run, and `--resume` skips the runs
//!   that are there.
//! * `summary.csv`, `comparison.csv`, `pit_counts.csv`, `manifest.json` — derived only from the run
//!   folders, read back in batch order, so their bytes do not depend on threads or on resuming.

pub mod batch;
pub mod calibrate;
pub mod compare;
pub mod estimate;
pub(crate) mod files;
pub mod sensitivity;
pub mod shard;

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::{ReplicateResult, run_replicate_from};
use crate::error::Error;
use crate::metrics::{MonthCounts, replicate_summary};
use crate::model::{Setup, StartingPopulation, SynthesisInputs};
use crate::output::manifest::git_revision;
use crate::output::{OutputError, scaled};
use crate::prepare::Progress;
use batch::{Plan, RunSpec};

/// Set by the command line on Ctrl-C: the batch finishes the runs under way, writes nothing
/// else, and stops (the finished runs are kept for `--resume`).
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Options of `hjemsim batch`.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub batch: PathBuf,
    pub out: PathBuf,
    /// 0 = all cores.
    pub threads: usize,
    pub resume: bool,
    pub progress: Progress,
    /// Run only this share of the runs (cluster array jobs); `None` = all.
    pub shard: Option<shard::Shard>,
    /// Add replicates until the paired intervals are narrow enough.
    pub precision: Option<Precision>,
    /// A calibration's posterior.csv, replacing the batch file's `posterior`.
    pub posterior: Option<PathBuf>,
    /// Replicates per scenario, replacing the batch file's (with a posterior: the number of
    /// parameter draws).
    pub replicates: Option<u32>,
}

/// `--precision`: add replicates (in steps of the batch's own count) until the paired 95 %
/// half-width on `metric` is at most `half_width` for every scenario, or `max_replicates` is
/// reached. Deterministic: replicate r's results never depend on when it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Precision {
    pub half_width: f64,
    pub metric: String,
    pub max_replicates: u32,
}

/// What a finished batch reports back.
#[derive(Clone, Debug)]
pub struct BatchReport {
    pub dir: PathBuf,
    /// Replicates per scenario in the end (more than the file's with `--precision`).
    pub replicates: u32,
    /// The widest paired half-width on the precision metric, with `--precision`.
    pub half_width: Option<f64>,
    pub runs: usize,
    pub executed: usize,
    pub reused: usize,
    pub wall_seconds: f64,
}

/// `run.json`: what a run folder holds and which binary made it.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct RunInfo {
    id: String,
    scenario: String,
    scenario_file: String,
    replicate: u32,
    seed: u64,
    hjemsim_version: String,
    git_revision: String,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> OutputError {
    move |e| OutputError::new(context, e)
}

fn run_info(plan: &Plan, spec: &RunSpec) -> RunInfo {
    let v = &plan.variants[spec.variant];
    RunInfo {
        id: spec.id.clone(),
        scenario: v.label.clone(),
        scenario_file: v.path.display().to_string(),
        replicate: spec.replicate,
        seed: plan.file.seed,
        hjemsim_version: env!("CARGO_PKG_VERSION").to_string(),
        git_revision: git_revision().to_string(),
    }
}

/// A run folder counts as done if it is there and was made by this binary for this run.
pub(crate) fn is_complete(runs_dir: &Path, plan: &Plan, spec: &RunSpec) -> bool {
    fs::read(runs_dir.join(&spec.id).join("run.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<RunInfo>(&b).ok())
        .is_some_and(|info| info == run_info(plan, spec))
}

fn write_run(
    runs_dir: &Path,
    plan: &Plan,
    spec: &RunSpec,
    setup: &Setup,
    r: &ReplicateResult,
) -> Result<(), OutputError> {
    let scale = setup.run.scale;
    let staging = crate::output::Staging::new(&runs_dir.join(&spec.id))?;
    let summary = replicate_summary(&r.months, scale);
    let mut w = staging.csv("metrics.csv")?;
    w.row(["metric", "value"])?;
    let extra = crate::output::rollout::metrics(setup, r);
    for (m, v) in summary.metrics.iter().chain(&extra) {
        w.row([m.as_str(), &v.to_string()])?;
    }
    w.finish()?;
    let mut w = staging.csv("pit_counts.csv")?;
    w.row(["year", "age_band", "situation", "count"])?;
    for p in &summary.pit {
        w.row([
            p.year.to_string(),
            p.age_band.to_string(),
            p.situation.to_string(),
            p.count.to_string(),
        ])?;
    }
    w.finish()?;
    let mut w = staging.csv("series.csv")?;
    let mut header = vec!["month"];
    header.extend_from_slice(&crate::metrics::SERIES);
    w.row(&header)?;
    for (month, values) in crate::metrics::national_series(&r.months, scale) {
        let mut row = vec![month.to_string()];
        row.extend(values.iter().map(|v| v.to_string()));
        w.row(&row)?;
    }
    w.finish()?;
    {
        use crate::output::rollout as t;
        type Table<'a> = (&'a str, &'a [&'a str], Vec<Vec<String>>);
        let mut tables: Vec<Table> = vec![
            ("costs.csv", &t::COSTS_HEADER, t::cost_rows(setup, r)),
            (
                "municipalities.csv",
                &t::MUNICIPALITIES_HEADER,
                t::municipality_rows(setup, r),
            ),
        ];
        if !setup.rollout.is_empty() {
            tables.push(("rollout.csv", &t::ROLLOUT_HEADER, t::rollout_rows(setup, r)));
            tables.push(("finance.csv", &t::FINANCE_HEADER, t::finance_rows(setup, r)));
        }
        for (name, header, rows) in tables {
            let mut w = staging.csv(name)?;
            // The run folder is one replicate: drop the replicate column.
            w.row(&header[1..])?;
            for row in rows {
                w.row(&row[1..])?;
            }
            w.finish()?;
        }
    }
    if plan.file.monthly {
        let mut w = staging.csv("monthly.csv")?;
        let mut header = vec!["month", "municipality"];
        header.extend_from_slice(MonthCounts::COLUMNS);
        w.row(&header)?;
        for (month, counts) in &r.months {
            for (m, c) in counts.iter().enumerate() {
                let mut row = vec![month.to_string(), setup.municipalities[m].name.clone()];
                row.extend(c.values().into_iter().map(|v| scaled(v, scale).to_string()));
                w.row(&row)?;
            }
        }
        w.finish()?;
    }
    let mut json = serde_json::to_string_pretty(&run_info(plan, spec)).expect("serializes");
    json.push('\n');
    staging.write("run.json", json.as_bytes())?;
    staging.commit().map(|_| ())
}

/// The metrics a run of `setup` writes to `metrics.csv` (and so to `summary.csv`), known before
/// anything runs: the names of a replicate of zero counts over the reported months.
pub fn metric_names(setup: &Setup) -> Vec<String> {
    let p = &setup.params;
    let months = (0..=(p.end.0 - p.report_start.0))
        .map(|k| {
            (
                p.report_start.offset(k),
                vec![MonthCounts::default(); setup.municipalities.len()],
            )
        })
        .collect();
    let r = ReplicateResult {
        replicate: 0,
        months,
        agent_months: 0,
        rollout: Vec::new(),
        adoptions: Vec::new(),
    };
    replicate_summary(&r.months, setup.run.scale)
        .metrics
        .into_iter()
        .chain(crate::output::rollout::metrics(setup, &r))
        .map(|(name, _)| name)
        .collect()
}

/// `hjemsim batch`: runs (or resumes) a batch and writes its tables.
pub fn run_batch(opts: &BatchOptions) -> Result<BatchReport, Error> {
    // Every flag and every scenario of the batch is checked before anything is written.
    if opts.replicates.is_some_and(|r| !(1..=100_000).contains(&r)) {
        return Err(Error::Usage(
            "--replicates: allowed 1 to 100000".to_string(),
        ));
    }
    if let Some(p) = &opts.precision {
        if !(p.half_width.is_finite() && p.half_width > 0.0) {
            return Err(Error::Usage(format!(
                "--precision {}: allowed a positive half-width",
                p.half_width
            )));
        }
        if !(1..=100_000).contains(&p.max_replicates) {
            return Err(Error::Usage(format!(
                "--max-replicates {}: allowed 1 to 100000",
                p.max_replicates
            )));
        }
        if opts.shard.is_some() {
            return Err(Error::Usage(
                "--precision decides replicates from results, which a shard does not have; run it on one machine, or set replicates in the batch file".into(),
            ));
        }
    }
    let pool = crate::prepare::thread_pool(opts.threads)?;
    // The batch's scenarios are loaded and prepared on its threads.
    let mut plan = pool.install(|| {
        batch::plan_with_replicates(&opts.batch, opts.replicates, opts.posterior.as_deref())
    })?;
    if let Some(p) = &opts.precision {
        if p.max_replicates < plan.file.replicates {
            return Err(Error::Usage(format!(
                "--max-replicates {}: allowed at least the batch's {} replicates",
                p.max_replicates, plan.file.replicates
            )));
        }
        batch::check_size(&opts.batch, &plan.file, Some(p.max_replicates))?;
        let names = metric_names(&*plan.setup(0)?);
        if !names.contains(&p.metric) {
            let mut near: Vec<&String> = names
                .iter()
                .filter(|n| n.starts_with(p.metric.split('_').next().unwrap_or("")))
                .take(8)
                .collect();
            if near.is_empty() {
                near = names.iter().take(8).collect();
            }
            return Err(Error::Usage(format!(
                "--metric `{}` is not a metric of this batch; allowed: one of the {} metrics of summary.csv, e.g. {}",
                p.metric,
                names.len(),
                near.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let started = Instant::now();
    let dir = opts.out.join(&plan.file.name);
    let runs_dir = dir.join("runs");
    prepare_runs_dir(&runs_dir, opts.resume, opts.shard)?;
    let threads = pool.current_num_threads();
    // --precision adds replicates in steps of the file's own count.
    let step = plan.file.replicates;
    let mut mine;
    let mut half_width = None;
    let mut first_pass = true;
    let mut total_executed = 0;
    loop {
        let todo: Vec<&RunSpec> = plan
            .runs
            .iter()
            .filter(|r| opts.shard.is_none_or(|s| s.owns(&r.id)))
            .collect();
        mine = todo.len();
        // On a later precision pass, the runs of the earlier passes are there already.
        let skip_done = opts.resume || !first_pass;
        let todo: Vec<&RunSpec> = todo
            .into_iter()
            .filter(|r| !(skip_done && is_complete(&runs_dir, &plan, r)))
            .collect();
        total_executed += todo.len();
        let reused = mine - todo.len();
        let bar = crate::prepare::progress_bar(opts.progress, mine as u64, &plan.file.name, "runs");
        bar.set_position(reused as u64);
        run_all(&pool, &plan, &runs_dir, &todo, &bar)?;
        bar.finish_and_clear();
        first_pass = false;
        let Some(p) = &opts.precision else { break };
        let series = compare::read_series(&plan, &dir)?;
        let widest = compare::widest_half_width(&series, &p.metric).ok_or_else(|| {
            Error::Usage(format!(
                "--metric `{}` is not a metric of this batch; see the `metric` column of summary.csv",
                p.metric
            ))
        })?;
        half_width = Some(widest);
        let now = plan.file.replicates;
        if widest <= p.half_width || now >= p.max_replicates {
            break;
        }
        plan = pool.install(|| {
            batch::plan_with_replicates(
                &opts.batch,
                Some((now + step).min(p.max_replicates)),
                opts.posterior.as_deref(),
            )
        })?;
    }
    let wall_seconds = started.elapsed().as_secs_f64();
    match opts.shard {
        // A shard's part is done; `hjemsim merge` writes the tables.
        Some(s) => shard::write_shard_manifest(&plan, &dir, s)?,
        None => finish(
            &plan,
            &dir,
            compare::BatchRuntime {
                threads,
                wall_seconds,
                executed: total_executed,
                reused: mine - total_executed,
            },
        )?,
    }
    Ok(BatchReport {
        dir,
        replicates: plan.file.replicates,
        half_width,
        runs: mine,
        executed: total_executed,
        reused: mine - total_executed,
        wall_seconds,
    })
}

/// The end of a batch (and of a merge): the history check if the batch asks for one, the tables
/// from the run folders, then the report from the tables. Each file appears whole or not at all.
pub(crate) fn finish(plan: &Plan, dir: &Path, runtime: compare::BatchRuntime) -> Result<(), Error> {
    if let Some(rel) = &plan.file.history_check {
        let targets = plan.path.parent().unwrap_or(Path::new(".")).join(rel);
        // The batch's scale as its baseline resolved it (the file's `[set]` or the scenario's).
        let scale = plan.prepared[0].run.scale;
        let check =
            calibrate::validate_history(&targets, scale, plan.file.replicates, runtime.threads)?;
        let mut rows = vec![calibrate::FIT_HEADER.map(String::from).to_vec()];
        for r in &check.rows {
            rows.push(vec![
                r.usage.clone(),
                r.metric.clone(),
                r.observed.to_string(),
                r.sd.to_string(),
                r.mean.to_string(),
                r.low.to_string(),
                r.high.to_string(),
                r.z.to_string(),
                r.source.clone(),
            ]);
        }
        compare::write_file(dir, "history.csv", &crate::output::csv_bytes(rows))?;
    }
    compare::write_tables(plan, dir, runtime)?;
    crate::report::write(dir)?;
    Ok(())
}

/// Runs `todo` in waves as wide as the pool: at most that many models in memory at once.
///
/// When the plan keeps every variant's setup, all runs go together. Otherwise they go a group of
/// variants at a time, as many as [`batch::SETUP_MEMORY`] holds setups of: a group's setups are
/// made when it starts (from the scenarios the plan loaded: their levers again, not their files)
/// and dropped when it ends, so a sweep of many variants holds a group's setups, not all of them
/// (a replicate's population is synthesised once a group).
pub(crate) fn run_all(
    pool: &rayon::ThreadPool,
    plan: &Plan,
    runs_dir: &Path,
    todo: &[&RunSpec],
    bar: &indicatif::ProgressBar,
) -> Result<(), Error> {
    if plan.keeps_every_setup() {
        let setups: Vec<_> = (0..plan.variants.len())
            .map(|v| plan.setup(v).map(Some))
            .collect::<Result<_, _>>()?;
        return run_group(pool, plan, &setups, runs_dir, todo, bar);
    }
    let largest = plan.prepared.iter().map(|p| p.bytes).max().unwrap_or(1);
    let threads = pool.current_num_threads().max(1);
    let group = ((batch::SETUP_MEMORY / largest.max(1)) as usize).max(threads);
    let mut variants: Vec<usize> = todo.iter().map(|r| r.variant).collect();
    variants.sort_unstable();
    variants.dedup();
    for these in variants.chunks(group) {
        let mine: Vec<&RunSpec> = todo
            .iter()
            .filter(|r| these.binary_search(&r.variant).is_ok())
            .copied()
            .collect();
        // Runs with a posterior draw make their own setup: their variant's is not needed.
        let mut needed = vec![false; plan.variants.len()];
        for r in mine.iter().filter(|r| r.draw_setup.is_none()) {
            needed[r.variant] = true;
        }
        let setups: Vec<Option<Cow<'_, Setup>>> = pool.install(|| {
            needed
                .par_iter()
                .enumerate()
                .map(|(v, &needed)| needed.then(|| plan.setup(v)).transpose())
                .collect::<Result<_, Error>>()
        })?;
        run_group(pool, plan, &setups, runs_dir, &mine, bar)?;
    }
    Ok(())
}

/// Runs `todo` in waves as wide as the pool; `setups` has, by variant, the setup of every
/// variant of `todo` (a run with a posterior draw prepares its own).
///
/// Runs go replicate by replicate, so the scenarios of one replicate follow each other and
/// share one population synthesis (a [`StartingPopulation`] kept while its replicate's runs
/// last); each run folder is written alone, so the order changes no result.
fn run_group(
    pool: &rayon::ThreadPool,
    plan: &Plan,
    setups: &[Option<Cow<'_, Setup>>],
    runs_dir: &Path,
    todo: &[&RunSpec],
    bar: &indicatif::ProgressBar,
) -> Result<(), Error> {
    let threads = pool.current_num_threads().max(1);
    let mut todo = todo.to_vec();
    todo.sort_by_key(|r| r.replicate);
    let seed = plan.file.seed;
    // Each distinct set of synthesis inputs once, and each run's index into them: a run's
    // inputs depend only on its variant or posterior draw, so the memory is that of the
    // distinct ones, not of the runs (a copy a run is 12 KB: 0.5 MB for a batch of 40 runs).
    let mut distinct: Vec<SynthesisInputs> = Vec::new();
    let mut of_source = std::collections::BTreeMap::new();
    let inputs: Vec<usize> = todo
        .iter()
        .map(|spec| {
            *of_source
                .entry((spec.variant, spec.draw_setup))
                .or_insert_with(|| {
                    let these = plan.synthesis_inputs_of(spec);
                    distinct
                        .iter()
                        .position(|d| *d == these)
                        .unwrap_or_else(|| {
                            distinct.push(these);
                            distinct.len() - 1
                        })
                })
        })
        .collect();
    // Whether a run from the `from`-th on starts from this replicate's population with these
    // inputs (runs of one replicate follow each other, so the scan stops at the next replicate).
    let needed_from = |from: usize, replicate: u32, wanted: &SynthesisInputs| {
        (from..todo.len())
            .take_while(|&j| todo[j].replicate == replicate)
            .any(|j| distinct[inputs[j]] == *wanted)
    };
    let mut kept: Vec<StartingPopulation> = Vec::new();
    pool.install(|| -> Result<(), Error> {
        for (w, wave) in todo.chunks(threads).enumerate() {
            if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(Error::Output(OutputError::new(
                    "interrupted",
                    std::io::Error::new(
                        std::io::ErrorKind::Interrupted,
                        "stopped on Ctrl-C; the finished runs are kept: rerun with --resume",
                    ),
                )));
            }
            let first = w * threads;
            // The population each run of the wave starts from: synthesised if no run before
            // kept it.
            let mut slots: Vec<Option<StartingPopulation>> = kept.drain(..).map(Some).collect();
            let mut slot_of = Vec::with_capacity(wave.len());
            for (k, spec) in wave.iter().enumerate() {
                let fits = |s: &Option<StartingPopulation>| {
                    s.as_ref()
                        .is_some_and(|s| s.fits(seed, spec.replicate, &distinct[inputs[first + k]]))
                };
                let slot = slots.iter().position(fits).unwrap_or_else(|| {
                    slots.push(Some(StartingPopulation::from_inputs(
                        distinct[inputs[first + k]].clone(),
                        seed,
                        spec.replicate,
                    )));
                    slots.len() - 1
                });
                slot_of.push(slot);
            }
            // A run that is the last to use its population, alone in its wave, takes it; the
            // others take a copy (made on their own thread).
            let mut taken: Vec<Option<StartingPopulation>> =
                (0..wave.len()).map(|_| None).collect();
            for (k, &slot) in slot_of.iter().enumerate() {
                let alone = slot_of.iter().filter(|&&s| s == slot).count() == 1;
                let run = first + k;
                if alone && !needed_from(run + 1, todo[run].replicate, &distinct[inputs[run]]) {
                    taken[k] = slots[slot].take();
                }
            }
            let shared = &slots;
            wave.par_iter()
                .zip(taken)
                .zip(&slot_of)
                .map(|((spec, taken), &slot)| {
                    let setup = match spec.draw_setup {
                        Some(_) => plan.setup_of(spec)?,
                        None => Cow::Borrowed(
                            setups[spec.variant]
                                .as_deref()
                                .expect("a setup for every variant run"),
                        ),
                    };
                    let start = taken.unwrap_or_else(|| {
                        shared[slot]
                            .clone()
                            .expect("kept for the runs that share it")
                    });
                    let r = run_replicate_from(&setup, start, &|| {});
                    write_run(runs_dir, plan, spec, &setup, &r)?;
                    bar.inc(1);
                    Ok(())
                })
                .collect::<Result<Vec<()>, Error>>()?;
            // Keep what a later run still starts from.
            let next = first + wave.len();
            kept = slots
                .into_iter()
                .flatten()
                .filter(|s| needed_from(next, s.replicate, &s.inputs))
                .collect();
        }
        Ok(())
    })?;
    Ok(())
}

/// Where and how design points run: the pool, the shared runs folder, the batch settings every
/// point uses (replicates, seed, sets), the file that asked (named in errors) and the shard.
pub(crate) struct PointRunner<'a> {
    pub pool: &'a rayon::ThreadPool,
    pub runs_dir: &'a Path,
    pub batch: &'a batch::BatchFile,
    pub origin: &'a Path,
    pub shard: Option<shard::Shard>,
}

/// Runs `variants` (each `batch.replicates` times with `batch.seed`) a few waves at a time,
/// skipping runs already in `runs_dir`, and returns each variant's metrics averaged over its
/// replicates. Calibration and sensitivity analysis run their designs through it: a design
/// point is a variant, so they are parallel, paired and resumable like a batch. Planning a few
/// waves at a time bounds memory (a history scenario's setup holds levers for every month).
pub(crate) fn run_points(
    runner: &PointRunner,
    variants: Vec<batch::Variant>,
    bar: &indicatif::ProgressBar,
    executed: &mut usize,
) -> Result<Vec<std::collections::BTreeMap<String, f64>>, Error> {
    let PointRunner {
        pool,
        runs_dir,
        batch,
        origin,
        shard,
    } = *runner;
    let chunk = 4 * pool.current_num_threads().max(1);
    let mut out = Vec::with_capacity(variants.len());
    for part in variants.chunks(chunk) {
        let plan = batch::plan_variants(batch.clone(), origin, part.to_vec())?;
        let todo: Vec<&RunSpec> = plan
            .runs
            .iter()
            .filter(|r| shard.is_none_or(|s| s.owns(&r.id)) && !is_complete(runs_dir, &plan, r))
            .collect();
        *executed += todo.len();
        bar.inc((plan.runs.len() - todo.len()) as u64);
        run_all(pool, &plan, runs_dir, &todo, bar)?;
        // A shard needs the other shards' runs of this chunk too: every shard computes the same
        // design from the same results, so it waits for them in the shared folder.
        while shard.is_some() && plan.runs.iter().any(|r| !is_complete(runs_dir, &plan, r)) {
            if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(Error::Output(OutputError::new(
                    "interrupted",
                    std::io::Error::new(
                        std::io::ErrorKind::Interrupted,
                        "stopped on Ctrl-C while waiting for other shards; rerun with --resume",
                    ),
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let mut sums = vec![std::collections::BTreeMap::<String, f64>::new(); plan.variants.len()];
        for spec in &plan.runs {
            let metrics = compare::read_metrics(&runs_dir.join(&spec.id).join("metrics.csv"))?;
            for (name, v) in metrics {
                *sums[spec.variant].entry(name).or_insert(0.0) += v / batch.replicates as f64;
            }
        }
        out.extend(sums);
    }
    Ok(out)
}

/// Makes a runs folder ready: cleared unless `resume` or `shard` (shards share their folder and
/// never clear each other's runs), created, and the half-written runs of an interrupted start
/// (`.tmp-<run id>-<pid>` folders, never read) cleared. A shard clears only those of the runs it
/// owns: another shard may be writing its own into the same folder right now (the tasks of a
/// Slurm array start at different times), and a later shard clearing them made that shard fail.
pub(crate) fn prepare_runs_dir(
    runs_dir: &Path,
    resume: bool,
    shard: Option<shard::Shard>,
) -> Result<(), OutputError> {
    if !resume && shard.is_none() && runs_dir.exists() {
        fs::remove_dir_all(runs_dir).map_err(io(format!("clearing {}", runs_dir.display())))?;
    }
    fs::create_dir_all(runs_dir).map_err(io(format!("creating {}", runs_dir.display())))?;
    for entry in fs::read_dir(runs_dir).map_err(io(format!("reading {}", runs_dir.display())))? {
        let entry = entry.map_err(io(format!("reading {}", runs_dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(staged) = name.strip_prefix(".tmp-") else {
            continue;
        };
        let run = staged.split_once('-').map_or(staged, |(id, _)| id);
        if shard.is_none_or(|s| s.owns(run)) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}
