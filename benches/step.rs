//! Throughput of the monthly step on the national population (scale 1, about 0.92 million
//! young people, every mechanism on), on 1 and 2 threads, in agent-months per second (divan's
//! "items"). Run: `cargo bench --bench step`.

use std::path::Path;

use divan::Bencher;
use divan::counter::ItemsCount;
use hjemsim::commands::prepare;
use hjemsim::model::Model;

fn main() {
    divan::main();
}

#[divan::bench(args = [1, 2], sample_count = 30, sample_size = 1)]
fn monthly_step_national(bencher: Bencher, threads: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let (_, setup) = prepare(&path, &[]).expect("baseline loads");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut model = pool.install(|| Model::new(&setup, 1, 0));
    // Run through the burn-in so spells, returns, queues and support exist, as in a real month.
    pool.install(|| {
        for _ in 0..setup.scenario.run.burn_in_months {
            model.step();
        }
    });
    let people = model.population() as usize;
    bencher
        .counter(ItemsCount::new(people))
        .bench_local(|| pool.install(|| model.step()));
}
