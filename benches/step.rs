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
