//! Throughput of the monthly step on the national population (scale 1, about 0.92 million
//! young people, every mechanism on), on 1 and 2 threads, in agent-months per second (divan's
//! "items"). Run: `cargo bench --bench step`.

use std::path::Path;

use divan::Bencher;
use divan::counter::ItemsCount;
use hjemsim::commands::prepare;

mod common;

fn main() {
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
/// allocation rounds, the month's counts) shows as a lower rate at small scale. A sample is
/// [`MONTHS_PER_SAMPLE`] months inside one `install`: handing the months to the pool's thread
/// and back takes 40-80 µs, about a month at scale 0.01, which a run pays once (with 4 months a
/// sample the bench put scale 0.01 at 0.53 of scale 1, a whole run at 0.70).
#[divan::bench(args = [0.01, 0.1, 1.0], sample_count = 11, sample_size = 1)]
fn monthly_step_by_scale(bencher: Bencher, scale: f64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let (_, setup) = prepare(&path, &[format!("run.scale={scale}")]).expect("baseline loads");
    let (pool, mut model) = common::after_burn_in(&setup, 1);
    let people = model.population() as usize;
    bencher
        .counter(ItemsCount::new(people * MONTHS_PER_SAMPLE))
        .bench_local(|| {
            pool.install(|| {
                for _ in 0..MONTHS_PER_SAMPLE {
                    model.step();
                }
            })
        });
}

/// Months a sample of `monthly_step_by_scale` steps: the 11 samples and the two more divan
/// takes (a warm-up and a first timing) from the end of the 60-month burn-in stay inside the
/// baseline's 2007-2030 (268 of 288 months; 13 samples ran past the end).
const MONTHS_PER_SAMPLE: usize = 16;
