//! `hjemsim estimate`: what a batch will cost before it starts: runs, projected wall time from a
//! short pilot of the baseline, and projected output size.

use std::path::Path;
use std::time::Instant;

use super::batch::plan;
use crate::error::Error;
use crate::metrics::MonthCounts;
use crate::model::Model;

/// The projection.
#[derive(Clone, Debug)]
pub struct Estimate {
    pub batch: String,
    pub scenarios: usize,
    pub replicates: u32,
    pub runs: usize,
    pub months_per_run: i32,
    pub pilot_months: i32,
    pub pilot_seconds: f64,
    /// Set-up (building the population) and per simulated month, from the pilot.
    pub setup_seconds: f64,
    pub seconds_per_month: f64,
    pub core_seconds: f64,
    pub threads: usize,
    pub wall_seconds: f64,
    pub output_bytes: u64,
}

/// Bytes of a CSV field holding a count, on average (digits and a comma).
const FIELD_BYTES: u64 = 5;

/// Projects a batch from a pilot of `pilot_months` months of the baseline's first replicate.
pub fn estimate(path: &Path, threads: usize, pilot_months: i32) -> Result<Estimate, Error> {
    let plan = plan(path)?;
    let setup = &*plan.setup(0)?;
    let params = &setup.params;
    let months_per_run = params.months();
    let pilot_months = pilot_months.clamp(1, months_per_run);
    let pool = crate::prepare::thread_pool(1)?;
    // One thread: a run is mostly single-threaded work when runs fill the cores.
    let pilot = || {
        let started = Instant::now();
        let mut model = Model::new(setup, plan.file.seed, 0);
        let built = started.elapsed().as_secs_f64();
        for _ in 0..pilot_months {
            model.step();
        }
        (built, started.elapsed().as_secs_f64() - built)
    };
    // Twice: the first pilot finds the process's memory cold, as a batch's first run on each
    // thread does (fresh pages the kernel clears; on a virtual machine whose host takes free
    // blocks back, 0.55-0.70 s of a national pilot's set-up against 0.05 s warm), and the
    // second reuses it, as every later run does (`memory::keep_freed_memory`).
    let (cold_setup, cold_months) = pool.install(pilot);
    let (setup_seconds, months_seconds) = pool.install(pilot);
    let first_run_extra = (cold_setup + cold_months - setup_seconds - months_seconds).max(0.0);
    // Lines of costs.csv a month: about one per municipality with shelter beds (two where guests
    // stay, none where the beds are empty at a small scale), one where there are support slots
    // (a pilot cannot tell: the homeless build up over it).
    let levers = &setup.levers[0];
    let cost_lines_per_month = (levers.shelter_beds.iter().filter(|&&b| b > 0).count()
        + levers
            .support_own
            .iter()
            .filter(|s| s.iter().any(|&x| x > 0))
            .count()) as f64;
    let seconds_per_month = months_seconds / pilot_months as f64;
    // Scenarios can differ in scale and horizon: weigh each by its people x months.
    let weight = |v: usize| plan.prepared[v].agent_months / plan.prepared[0].agent_months;
    let core_seconds: f64 = plan
        .runs
        .iter()
        .map(|r| {
            let w = weight(r.variant);
            w * (setup_seconds + seconds_per_month * months_per_run as f64)
        })
        .sum();
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    // Each thread's first run pays for cold memory once.
    let core_seconds = core_seconds + threads.min(plan.runs.len()) as f64 * first_run_extra;
    // Runs are spread over the threads in waves.
    let wall_seconds = core_seconds / threads as f64;

    // Output: each run's metrics and week-6 counts, the tables, and monthly rows if asked for.
    let reported = (params.end.0 - params.report_start.0 + 1) as u64;
    let count_years = reported.div_ceil(12);
    let metrics = 3 * count_years + 18;
    // Measured on the action-tracks batch: ~23 bytes a metric line, ~22 a count line, ~224 of
    // run.json.
    let per_run = metrics * 25 + count_years * 8 * 22 + 250;
    let monthly = if plan.file.monthly {
        reported
            * setup.municipalities.len() as u64
            * (MonthCounts::COLUMNS.len() as u64 + 2)
            * FIELD_BYTES
    } else {
        0
    };
    let tables = plan.variants.len() as u64 * metrics * (100 + 130)
        + plan.runs.len() as u64 * count_years * 8 * 40;
    // costs.csv: the pilot's payer-item amounts a month, ~48 bytes a line (measured on the
    // rollout batch); municipalities.csv: ~30 bytes a municipality.
    let municipalities = setup.municipalities.len() as u64;
    // A budget adds a line per municipality and lever it pays for, every month.
    let books: u64 = plan
        .runs
        .iter()
        .map(|r| {
            let budget_lines = plan.prepared[r.variant].budget_lines as f64;
            (reported as f64 * (cost_lines_per_month + budget_lines) * 48.0) as u64
                + municipalities * 30
        })
        .sum();
    let output_bytes = plan.runs.len() as u64 * (per_run + monthly) + books + tables;
    Ok(Estimate {
        batch: plan.file.name.clone(),
        scenarios: plan.variants.len(),
        replicates: plan.file.replicates,
        runs: plan.runs.len(),
        months_per_run,
        pilot_months,
        pilot_seconds: setup_seconds + months_seconds,
        setup_seconds,
        seconds_per_month,
        core_seconds,
        threads,
        wall_seconds,
        output_bytes,
    })
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "batch {}: {} scenarios x {} replicates = {} runs of {} months",
            self.batch, self.scenarios, self.replicates, self.runs, self.months_per_run
        )?;
        writeln!(
            f,
            "pilot: {} months of the baseline's first replicate on 1 thread in {:.2} s ({:.2} s set-up, {:.3} s a month)",
            self.pilot_months, self.pilot_seconds, self.setup_seconds, self.seconds_per_month
        )?;
        writeln!(
            f,
            "projected time: {:.0} core-seconds, about {:.0} s on {} threads",
            self.core_seconds, self.wall_seconds, self.threads
        )?;
        write!(
            f,
            "projected output: {:.1} MB ({} bytes)",
            self.output_bytes as f64 / 1e6,
            self.output_bytes
        )
    }
}
