//! Runs replicates: the layer between the model (which knows one month of one replicate) and the
//! command line (which knows files). Replicates run in parallel waves; each finished wave is handed
//! to a sink in replicate order, so memory holds at most one wave of results, and the order of
//! results never depends on which thread finished first.
//!
//! No I/O happens here.

use rayon::prelude::*;

use crate::calendar::Month;
use crate::metrics::MonthCounts;
use crate::model::{Model, Setup, StartingPopulation};

/// The reported months of one replicate: per month, the counts of every municipality in table
/// order.
#[derive(Clone, Debug)]
pub struct ReplicateResult {
    pub replicate: u32,
    pub months: Vec<(Month, Vec<MonthCounts>)>,
    /// People x months simulated, burn-in included: the work done.
    pub agent_months: u64,
    /// What every rollout adoption did in each reported month (empty without rollout).
    pub rollout: Vec<(Month, Vec<crate::model::rollout::RolloutRow>)>,
    /// Every adoption of the run, by municipality, at its end.
    pub adoptions: Vec<crate::model::rollout::Adoption>,
}

/// Runs one replicate from the first burn-in month to the end. `on_month` is called after every
/// simulated month (for progress bars).
pub fn run_replicate(
    setup: &Setup,
    seed: u64,
    replicate: u32,
    on_month: &(dyn Fn() + Sync),
) -> ReplicateResult {
    run_replicate_from(
        setup,
        StartingPopulation::synthesise(setup, seed, replicate),
        on_month,
    )
}

/// Runs one replicate from a population synthesised for it (see [`StartingPopulation`]): the
/// same result as [`run_replicate`], without synthesising again.
pub fn run_replicate_from(
    setup: &Setup,
    start: StartingPopulation,
    on_month: &(dyn Fn() + Sync),
) -> ReplicateResult {
    let replicate = start.replicate;
    let mut model = Model::from_start(setup, start);
    let params = &setup.params;
    let mut months = Vec::with_capacity((params.end.0 - params.report_start.0 + 1).max(0) as usize);
    let mut agent_months = 0;
    let mut rollout = Vec::new();
    while model.month <= params.end {
        let month = model.month;
        let counts = model.step();
        agent_months += counts.iter().map(|c| c.population_start).sum::<u64>();
        if month >= params.report_start {
            months.push((month, counts));
            if !setup.rollout.is_empty() {
                rollout.push((month, model.rollout_rows().cloned().collect()));
            }
        }
        on_month();
    }
    let adoptions = model
        .adoptions
        .by_municipality
        .iter()
        .flatten()
        .copied()
        .collect();
    ReplicateResult {
        replicate,
        months,
        agent_months,
        rollout,
        adoptions,
    }
}

/// Runs replicates `0..replicates` in waves as wide as the current rayon pool, handing each result
/// to `sink` in replicate order. Stops at the first sink error.
pub fn run_replicates<E>(
    setup: &Setup,
    seed: u64,
    replicates: u32,
    on_month: &(dyn Fn() + Sync),
    mut sink: impl FnMut(ReplicateResult) -> Result<(), E>,
) -> Result<(), E> {
    let wave = rayon::current_num_threads().max(1) as u32;
    let mut next = 0;
    while next < replicates {
        let end = (next + wave).min(replicates);
        let results: Vec<ReplicateResult> = (next..end)
            .into_par_iter()
            .map(|r| run_replicate(setup, seed, r, on_month))
            .collect();
        for r in results {
            sink(r)?;
        }
        next = end;
    }
    Ok(())
}
