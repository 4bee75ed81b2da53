//! Throughput of the monthly step on the national population (scale 1, about 0.92 million
//! young people, every mechanism on), on 1 and 2 threads, in agent-months per second (divan's
//! "items"). Run: `cargo bench --bench step`.

use std::path::Path;

use divan::Bencher;
use divan::counter::ItemsCount;
use hjemsim::commands::prepare;

mod common;

fn main() {
    // One thread in the global pool, so that `monthly_step_by_scale` steps on this thread as a
    // one-thread run does (`Model::step` asks how many threads the pool it runs in has).
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global pool is built once, here");
    divan::main();
}

#[divan::bench(args = [1, 2], sample_count = 30, sample_size = 1)]
fn monthly_step_national(bencher: Bencher, threads: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let (_, setup) = prepare(&path, &[]).expect("baseline loads");
    let (pool, mut model) = common::after_burn_in(&setup, threads);
    let people = model.population() as usize;
    bencher
        .counter(ItemsCount::new(people))
        .bench_local(|| pool.install(|| model.step()));
}

/// Linearity in people (issue 11): the same months at scale 0.01, 0.1 and 1 (1 thread), in
/// agent-months per second. What does not shrink with the people (98 municipalities' queues and
/// allocation rounds, the month's counts) shows as a lower rate at small scale. The months are
/// stepped on this thread (the global pool has one), not handed to a pool's thread and back:
/// that took 40-80 µs, about a month at scale 0.01, which a run pays once, and put scale 0.01
/// at 0.53 of scale 1 with 4 months a sample where a whole run is at 0.70.
#[divan::bench(args = [0.01, 0.1, 1.0], sample_count = 30, sample_size = 1)]
fn monthly_step_by_scale(bencher: Bencher, scale: f64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let (_, setup) = prepare(&path, &[format!("run.scale={scale}")]).expect("baseline loads");
    let (_pool, mut model) = common::after_burn_in(&setup, 1);
    let people = model.population() as usize;
    assert_eq!(rayon::current_num_threads(), 1, "steps on one thread");
    bencher
        .counter(ItemsCount::new(people * MONTHS_PER_SAMPLE))
        .bench_local(|| {
            for _ in 0..MONTHS_PER_SAMPLE {
                model.step();
            }
        });
}

/// Months a sample of `monthly_step_by_scale` steps: 30 samples and the two more divan takes
/// (a warm-up and a first timing) from the end of the 60-month burn-in stay inside the
/// baseline's 2007-2030 (188 of 288 months).
const MONTHS_PER_SAMPLE: usize = 4;
