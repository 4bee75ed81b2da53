//! Command-line flags, parsed once into typed options (clap). No model logic here.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands::{Progress, RunOptions};

#[derive(Parser, Debug)]
#[command(
    name = "hjemsim",
    version,
    about = "Agent-based simulator of youth homelessness policy in Denmark",
    long_about = "hjemsim follows every young person aged 18-29 in Denmark, month by month, through \
                  housing, risk, homelessness and housing offers, under policies declared in \
                  scenario files.\n\nExit codes: 0 ok, 1 run or I/O failure, 2 invalid input or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    Auto,
    Always,
    Never,
}

impl From<ProgressArg> for Progress {
    fn from(p: ProgressArg) -> Progress {
        match p {
            ProgressArg::Auto => Progress::Auto,
            ProgressArg::Always => Progress::Always,
            ProgressArg::Never => Progress::Never,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario and write monthly.csv, pit_counts.csv, summary.csv, manifest.json.
    #[command(
        after_help = "Example:\n  hjemsim run scenarios/baseline.toml --replicates 4 --threads 2 \\\n      --set allocation.offer_acceptance=0.9 --out output/"
    )]
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Replicates (overrides run.replicates).
        #[arg(long)]
        replicates: Option<u32>,
        /// Master seed (overrides run.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads; 0 = one per core. Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Output folder; the run writes to OUT/<scenario name>/.
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Override one scenario value, e.g. `--set run.scale=0.1`; repeatable.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Progress bar: on a terminal (auto), always, or never.
        #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
        progress: ProgressArg,
    },
    /// Run a batch: every scenario and sweep point, replicates in parallel, then summary.csv,
    /// comparison.csv (paired differences against the baseline), pit_counts.csv, manifest.json.
    #[command(
        after_help = "Examples:\n  hjemsim batch scenarios/action-tracks.toml --threads 2\n  hjemsim batch scenarios/action-tracks.toml --resume   # after an interruption"
    )]
    Batch {
        /// Batch file (TOML).
        batch: PathBuf,
        /// Output folder; the batch writes to OUT/<batch name>/.
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Worker threads; 0 = one per core. Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Keep the runs an earlier, interrupted call finished, and run only the rest.
        #[arg(long)]
        resume: bool,
        /// Run only shard I of N (`I/N`), or `auto` from SLURM_ARRAY_TASK_ID/COUNT or
        /// JOB_COMPLETION_INDEX with HJEMSIM_SHARD_COUNT; join shards with `hjemsim merge`.
        #[arg(long, value_name = "I/N|auto")]
        shard: Option<String>,
        /// Add replicates (in steps of the file's count) until the paired 95 % half-width on
        /// --metric is at most this, for every scenario against the baseline.
        #[arg(long, value_name = "HALF_WIDTH")]
        precision: Option<f64>,
        /// The metric --precision watches (a `metric` of summary.csv).
        #[arg(long, default_value = "homeless_end")]
        metric: String,
        /// The most replicates --precision may reach.
        #[arg(long, default_value_t = 200)]
        max_replicates: u32,
        /// A calibration's posterior.csv: replicate r of every scenario takes parameter draw r,
        /// so intervals include parameter uncertainty (replaces the batch file's `posterior`).
        #[arg(long, value_name = "FILE")]
        posterior: Option<PathBuf>,
        /// Replicates per scenario (replaces the batch file's; with --posterior, the number of
        /// parameter draws).
        #[arg(long)]
        replicates: Option<u32>,
        /// Progress bar: on a terminal (auto), always, or never.
        #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
        progress: ProgressArg,
    },
    /// Calibrate a scenario against observed targets by approximate Bayesian computation
    /// (adaptive population Monte Carlo); writes posterior.csv, fit.csv, generations.csv and the
    /// calibrated overlay.
    #[command(
        after_help = "Examples:\n  hjemsim calibrate scenarios/calibration/targets.toml --install\n  hjemsim calibrate scenarios/calibration/targets.toml --resume   # after an interruption"
    )]
    Calibrate {
        /// Targets file (TOML): scenario, parameters with priors, targets, held-out targets.
        targets: PathBuf,
        /// Output folder; the calibration writes to OUT/<targets name>/.
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Worker threads; 0 = one per core. Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Keep the runs an earlier, interrupted call finished, and run only the rest.
        #[arg(long)]
        resume: bool,
        /// Also write the calibrated overlay where the targets file says (e.g.
        /// scenarios/calibration/calibrated.toml), which history.toml and baseline.toml extend.
        #[arg(long)]
        install: bool,
        /// Run only shard I of N (`I/N` or `auto`, as for batch) of every generation's runs,
        /// waiting for the other shards' runs in the shared output folder; every shard ends with
        /// the same tables.
        #[arg(long, value_name = "I/N|auto")]
        shard: Option<String>,
        /// Progress bar: on a terminal (auto), always, or never.
        #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
        progress: ProgressArg,
    },
    /// Sensitivity analysis: Morris screening over the listed parameters, then Sobol indices
    /// (Saltelli) for the top few, on named outputs and on compared scenarios' effects; writes
    /// sensitivity.csv and ranking.csv.
    #[command(
        after_help = "Example:\n  hjemsim sensitivity scenarios/sensitivity/tracks.toml --threads 2"
    )]
    Sensitivity {
        /// Sensitivity file (TOML).
        spec: PathBuf,
        /// Output folder; the analysis writes to OUT/<name>/.
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Worker threads; 0 = one per core. Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Keep the runs an earlier, interrupted call finished, and run only the rest.
        #[arg(long)]
        resume: bool,
        /// Run only shard I of N (`I/N` or `auto`, as for batch) of every generation's runs,
        /// waiting for the other shards' runs in the shared output folder; every shard ends with
        /// the same tables.
        #[arg(long, value_name = "I/N|auto")]
        shard: Option<String>,
        /// Progress bar: on a terminal (auto), always, or never.
        #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
        progress: ProgressArg,
    },
    /// Run a calibrated scenario at full scale and print every calibration target and held-out
    /// observation beside the simulated mean and the range of one count (mean +- 1.96 sd over
    /// replicates); writes nothing. The fit of `calibrate` at the scale it calibrated at is in
    /// its fit.csv.
    #[command(
        name = "validate-history",
        after_help = "Example:\n  hjemsim validate-history scenarios/calibration/targets.toml --replicates 10"
    )]
    ValidateHistory {
        /// Targets file (TOML).
        targets: PathBuf,
        /// Scale to run at (1 = one agent per young person).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Replicates.
        #[arg(long, default_value_t = 10)]
        replicates: u32,
        /// Worker threads; 0 = one per core. Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Before a big batch: number of runs, projected wall time from a short pilot, projected
    /// output size.
    #[command(after_help = "Example:\n  hjemsim estimate scenarios/action-tracks.toml --threads 2")]
    Estimate {
        /// Batch file (TOML).
        batch: PathBuf,
        /// Threads the batch will use; 0 = one per core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Months of the baseline's first replicate to time.
        #[arg(long, default_value_t = 12)]
        pilot_months: i32,
    },
    /// Join the shards of a batch (each folder as written by `batch --shard`) into the batch's
    /// tables, byte-identical to a run on one machine.
    #[command(
        after_help = "Example:\n  hjemsim merge output/shard-0/action-tracks output/shard-1/action-tracks --out output/"
    )]
    Merge {
        /// Shard output folders (`OUT/<batch name>/` of each shard).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder; the merged batch goes to OUT/<batch name>/.
        #[arg(long, default_value = "output")]
        out: PathBuf,
    },
    /// Run the benchmarks against their goldens: the same bytes on 1 and 2 threads, and every
    /// summary metric within k standard errors of the golden's; exit 1 on a regression.
    #[command(
        after_help = "Example:\n  hjemsim check            # in CI\n  hjemsim check --update   # after an intended model change: rewrite the goldens, print what moved"
    )]
    Check {
        /// Folder of benchmark scenario and batch files; goldens in its golden/.
        #[arg(long, default_value = "scenarios/benchmarks")]
        dir: PathBuf,
        /// Where the benchmarks' outputs go (replaced).
        #[arg(long, default_value = "output/check")]
        out: PathBuf,
        /// Rewrite the goldens and print what moved.
        #[arg(long)]
        update: bool,
        /// The statistical band, in standard errors of the difference.
        #[arg(long, default_value_t = 4.0)]
        k: f64,
    },
    /// Write report.html again from a batch or run folder's tables (no simulation).
    #[command(after_help = "Example:\n  hjemsim report output/action-tracks")]
    Report {
        /// A folder written by `hjemsim batch`, `merge` or `run`.
        dir: PathBuf,
    },
    /// Check scenario and batch files without running them; exit 0 if all are valid, 2 if not.
    #[command(
        after_help = "Example:\n  hjemsim validate scenarios/baseline.toml scenarios/action-tracks.toml"
    )]
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of scenario files (for editors; committed as scenarios/scenario.schema.json).
    #[command(after_help = "Example:\n  hjemsim schema > scenarios/scenario.schema.json")]
    Schema,
}

impl Command {
    /// Turns `run` flags into options; `--replicates` and `--seed` become `--set`s so that they
    /// are validated like the file and recorded in the manifest.
    pub fn run_options(
        scenario: PathBuf,
        replicates: Option<u32>,
        seed: Option<u64>,
        threads: usize,
        out: PathBuf,
        mut sets: Vec<String>,
        progress: ProgressArg,
    ) -> RunOptions {
        if let Some(r) = replicates {
            sets.push(format!("run.replicates={r}"));
        }
        if let Some(s) = seed {
            sets.push(format!("run.seed={s}"));
        }
        RunOptions {
            scenario,
            sets,
            threads,
            out,
            progress: progress.into(),
        }
    }
}
