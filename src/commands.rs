//! What each subcommand does, as plain library calls with typed options. `main.rs` only parses
//! flags into these options and maps errors to exit codes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::run_replicates;
use crate::error::Error;
use crate::model::Setup;
use crate::output::OutputError;
use crate::output::manifest::{InputFile, Manifest, Runtime, git_revision, target};
use crate::output::run::RunWriter;
pub use crate::prepare::{Progress, prepare};
use crate::prepare::{progress_bar, thread_pool};
use crate::scenario::Resolved;

/// Options of `hjemsim run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub scenario: PathBuf,
    /// `--set key=value` overrides, applied in order (`--replicates` and `--seed` become sets).
    pub sets: Vec<String>,
    /// 0 = all cores.
    pub threads: usize,
    pub out: PathBuf,
    pub progress: Progress,
}

/// What a finished command prints (its `Display`) and the exit code it ends with: 0 unless the
/// command says otherwise (`validate` with a bad file, `check` with a regression). `main.rs`
/// prints it to stdout when the code is 0 and to stderr otherwise.
pub trait Outcome: std::fmt::Display {
    fn exit_code(&self) -> i32 {
        0
    }
}

impl Outcome for crate::experiment::estimate::Estimate {}

/// A file a command wrote (`report`, `merge`).
pub struct Wrote(pub String);

impl std::fmt::Display for Wrote {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Outcome for Wrote {}

/// What `validate` found: a line per file.
pub struct Validation {
    pub lines: Vec<String>,
    pub ok: bool,
}

impl std::fmt::Display for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}", self.lines.join("\n"))
    }
}

impl Outcome for Validation {
    fn exit_code(&self) -> i32 {
        if self.ok { 0 } else { 2 }
    }
}

impl std::fmt::Display for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "wrote {} ({} replicates, {:.0} million agent-months in {:.1} s)",
            self.dir.display(),
            self.replicates,
            self.agent_months as f64 / 1e6,
            self.wall_seconds
        )
    }
}

impl Outcome for RunReport {}

impl std::fmt::Display for crate::experiment::BatchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "wrote {} ({} runs: {} run now, {} kept from before, in {:.1} s); open report.html",
            self.dir.display(),
            self.runs,
            self.executed,
            self.reused,
            self.wall_seconds
        )?;
        if let Some(h) = self.half_width {
            write!(
                f,
                "\nprecision: {} replicates per scenario, widest paired 95 % half-width {h:.3}",
                self.replicates
            )?;
        }
        Ok(())
    }
}

impl Outcome for crate::experiment::BatchReport {}

impl std::fmt::Display for crate::experiment::calibrate::CalibrationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "wrote {} ({} generations, {} runs: {} run now, tolerance {:.4}, in {:.1} s); see fit.csv and posterior.csv",
            self.dir.display(),
            self.generations,
            self.runs,
            self.executed,
            self.epsilon,
            self.wall_seconds
        )?;
        if let Some(p) = &self.installed {
            write!(f, "\ninstalled the calibrated overlay as {}", p.display())?;
        }
        Ok(())
    }
}

impl Outcome for crate::experiment::calibrate::CalibrationReport {}

impl std::fmt::Display for crate::experiment::sensitivity::SensitivityReport {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "wrote {} ({} runs: {} run now, in {:.1} s); see sensitivity.csv and ranking.csv",
            self.dir.display(),
            self.runs,
            self.executed,
            self.wall_seconds
        )?;
        for (i, (p, m)) in self.ranking.iter().take(5).enumerate() {
            write!(f, "\n{}. {p} (mu*/sd {m:.3})", i + 1)?;
        }
        Ok(())
    }
}

impl Outcome for crate::experiment::sensitivity::SensitivityReport {}

impl std::fmt::Display for crate::experiment::calibrate::HistoryCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        writeln!(
            f,
            "| use | metric | observed | simulated mean | range of one count (95 %) | z |"
        )?;
        writeln!(f, "| --- | --- | --- | --- | --- | --- |")?;
        for r in &self.rows {
            let digits = if r.observed.abs() < 1.5 { 3 } else { 0 };
            writeln!(
                f,
                "| {} | {} | {:.digits$} | {:.digits$} | {:.digits$} to {:.digits$} | {:+.2} |",
                r.usage, r.metric, r.observed, r.mean, r.low, r.high, r.z
            )?;
        }
        write!(
            f,
            "\n{} replicates at scale {} in {:.1} s",
            self.replicates, self.scale, self.wall_seconds
        )
    }
}

impl Outcome for crate::experiment::calibrate::HistoryCheck {}

/// `hjemsim report DIR`.
pub fn report(dir: &Path) -> Result<Wrote, Error> {
    crate::report::write(dir)?;
    Ok(Wrote(format!(
        "wrote {}",
        dir.join("report.html").display()
    )))
}

/// `hjemsim merge DIR... --out OUT`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Wrote, Error> {
    let dir = crate::experiment::shard::merge(dirs, out)?;
    Ok(Wrote(format!(
        "merged into {}; open report.html",
        dir.display()
    )))
}

/// What a finished run reports back.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub dir: PathBuf,
    pub replicates: u32,
    pub agent_months: u64,
    pub wall_seconds: f64,
}

/// `hjemsim run`: simulates a scenario and writes `<out>/<name>/`.
pub fn run(opts: &RunOptions) -> Result<RunReport, Error> {
    let pool = thread_pool(opts.threads)?;
    // Everything that can be wrong with the input is found before anything is written (on the
    // run's threads: the levers of the scenario's stretches are prepared in parallel).
    let (resolved, setup) = pool.install(|| prepare(&opts.scenario, &opts.sets))?;
    let scenario = &setup.scenario;
    if let Some(trial) = &scenario.trial {
        return run_trial(opts, &resolved, &setup, trial);
    }
    let started = Instant::now();
    let replicates = setup.run.replicates;
    let months = setup.params.months() as u64;
    let bar = progress_bar(
        opts.progress,
        months * replicates as u64,
        &format!("{} x {replicates}", scenario.name),
        "months",
    );
    let final_dir = opts.out.join(&scenario.name);
    let names = setup
        .municipalities
        .iter()
        .map(|m| m.name.clone())
        .collect();
    let mut writer = RunWriter::new(
        &final_dir,
        &scenario.name,
        setup.run.scale,
        names,
        !setup.rollout.is_empty(),
    )?;
    let mut agent_months = 0u64;
    let on_month = || bar.inc(1);
    pool.install(|| {
        run_replicates(&setup, setup.run.seed, replicates, &on_month, |r| {
            agent_months += r.agent_months;
            writer.write_replicate(&setup, &r)
        })
    })?;
    bar.finish_and_clear();
    let wall_seconds = started.elapsed().as_secs_f64();
    let threads = pool.current_num_threads();
    let dir = writer.finish(|staging| {
        let runtime = Runtime {
            threads,
            wall_seconds,
            agent_months,
        };
        let assumptions = crate::output::assumptions::rows(&[(
            setup.scenario.name.as_str(),
            &setup.scenario,
            resolved.files.as_slice(),
        )]);
        crate::output::write_atomic(
            &staging.join("assumptions.csv"),
            &crate::output::csv_bytes(assumptions),
        )?;
        write_manifest(staging, &resolved, &setup, &RUN_OUTPUTS, runtime)?;
        // The report reads the finished tables in the staging folder, so a run folder never
        // appears without it.
        crate::report::write(staging).map_err(|e| {
            OutputError::new("writing report.html", std::io::Error::other(e.to_string()))
        })
    })?;
    Ok(RunReport {
        dir,
        replicates,
        agent_months,
        wall_seconds,
    })
}

const RUN_OUTPUTS: [&str; 5] = [
    "monthly.csv",
    "pit_counts.csv",
    "summary.csv",
    "series.csv",
    "assumptions.csv",
];

/// Runs a scenario's virtual trial and writes `trial.csv` and `manifest.json`.
fn run_trial(
    opts: &RunOptions,
    resolved: &Resolved,
    setup: &Setup,
    trial: &crate::scenario::TrialParams,
) -> Result<RunReport, Error> {
    let started = Instant::now();
    let s = &setup.scenario;
    let arms = crate::trial::run_trial(&setup.params, &s.population, trial, setup.run.seed);
    let staging = crate::output::Staging::new(&opts.out.join(&s.name))?;
    let mut w = staging.csv("trial.csv")?;
    w.row([
        "arm",
        "n",
        "homeless_nights_mean",
        "homeless_nights_ci_low",
        "homeless_nights_ci_high",
    ])?;
    for a in &arms {
        let h = &a.homeless_nights;
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        w.row([
            a.arm.to_string(),
            h.n.to_string(),
            h.mean.to_string(),
            opt(h.ci_low),
            opt(h.ci_high),
        ])?;
    }
    w.finish()?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let agent_months = trial.cohort as u64 * trial.months as u64;
    let runtime = Runtime {
        threads: 1,
        wall_seconds,
        agent_months,
    };
    write_manifest(&staging.dir, resolved, setup, &["trial.csv"], runtime)?;
    let dir = staging.commit()?;
    Ok(RunReport {
        dir,
        replicates: 1,
        agent_months,
        wall_seconds,
    })
}

fn describe(path: &Path) -> Result<InputFile, OutputError> {
    InputFile::of(path, path.display().to_string())
}

fn write_manifest(
    staging: &Path,
    resolved: &Resolved,
    setup: &Setup,
    output_files: &[&str],
    runtime: Runtime,
) -> Result<(), OutputError> {
    let mut inputs = Vec::new();
    for f in &resolved.files {
        inputs.push(describe(f)?);
    }
    inputs.push(describe(&resolved.municipalities_path)?);
    let mut outputs = Vec::new();
    for name in output_files {
        let mut d = describe(&staging.join(name))?;
        d.path = name.to_string();
        outputs.push(d);
    }
    let s = &setup.scenario;
    let manifest = Manifest {
        hjemsim_version: env!("CARGO_PKG_VERSION"),
        git_revision: git_revision(),
        target: target(),
        scenario: s.clone(),
        inputs,
        sets: resolved.sets.clone(),
        seed: setup.run.seed,
        replicates: setup.run.replicates,
        scale: setup.run.scale,
        first_simulated_month: setup.params.first_month.to_string(),
        report_start: setup.params.report_start.to_string(),
        report_end: setup.params.end.to_string(),
        outputs,
        runtime,
    };
    let mut json = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
    json.push('\n');
    crate::output::write_atomic(&staging.join("manifest.json"), json.as_bytes())
}

/// `hjemsim validate`: checks each file; returns one line per file and whether all were valid.
pub fn validate(files: &[PathBuf]) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let mut ok = true;
    for f in files {
        if crate::experiment::batch::is_batch_file(f) {
            match crate::experiment::batch::plan(f) {
                Ok(p) => lines.push(format!(
                    "ok: {} (batch `{}`, {} scenarios, {} runs)",
                    f.display(),
                    p.file.name,
                    p.variants.len(),
                    p.runs.len()
                )),
                Err(e) => {
                    ok = false;
                    lines.push(format!("error: {e}"));
                }
            }
            continue;
        }
        if crate::experiment::sensitivity::is_sensitivity_file(f) {
            match crate::experiment::sensitivity::read_spec(f) {
                Ok(t) => lines.push(format!(
                    "ok: {} (sensitivity `{}`, {} parameters, {} outputs, {} compared scenarios)",
                    f.display(),
                    t.name,
                    t.parameters.len(),
                    t.outputs.len(),
                    t.compare.len()
                )),
                Err(e) => {
                    ok = false;
                    lines.push(format!("error: {e}"));
                }
            }
            continue;
        }
        if crate::experiment::calibrate::is_targets_file(f) {
            match crate::experiment::calibrate::check_targets(f) {
                Ok(t) => lines.push(format!(
                    "ok: {} (calibration targets `{}`, {} parameters, {} targets, {} held out)",
                    f.display(),
                    t.name,
                    t.parameters.len(),
                    t.targets.len(),
                    t.held_out.len()
                )),
                Err(e) => {
                    ok = false;
                    lines.push(format!("error: {e}"));
                }
            }
            continue;
        }
        match prepare(f, &[]) {
            Ok((_, setup)) => lines.push(format!(
                "ok: {} (scenario `{}`, {} municipalities, {} replicates, {} to {})",
                f.display(),
                setup.scenario.name,
                setup.municipalities.len(),
                setup.run.replicates,
                setup.scenario.run.start,
                setup.scenario.run.end
            )),
            Err(e) => {
                ok = false;
                lines.push(format!("error: {e}"));
            }
        }
    }
    (lines, ok)
}
