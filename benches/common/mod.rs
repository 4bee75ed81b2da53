//! Set-up shared by the benches.

use hjemsim::model::{Model, Setup};

/// A pool of `threads` workers and replicate 0 of `setup` run through its burn-in, so that
/// spells, returns, queues and support exist as in a real month.
pub fn after_burn_in(setup: &Setup, threads: usize) -> (rayon::ThreadPool, Model<'_>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut model = pool.install(|| Model::new(setup, 1, 0));
    pool.install(|| {
        for _ in 0..setup.scenario.run.burn_in_months {
            model.step();
        }
    });
    (pool, model)
}
