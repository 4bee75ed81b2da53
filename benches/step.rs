//! Throughput of the monthly step on the national population (scale 1, about 0.92 million
//! young people), on 1 and 2 threads. Reported as agent-months per second (criterion's
//! "elements"). Run: `cargo bench --bench step`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hjemsim::commands::prepare;
use hjemsim::model::Model;

fn national_step(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let (_, setup) = prepare(&path, &[]).expect("baseline loads");
    let mut group = c.benchmark_group("monthly_step_national");
    group.sample_size(30);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut model = pool.install(|| Model::new(&setup, 1, 0));
        // Run through the burn-in so spells, returns and queues exist, as in a real month.
        pool.install(|| {
            for _ in 0..setup.scenario.run.burn_in_months {
                model.step();
            }
        });
        group.throughput(Throughput::Elements(model.population()));
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| pool.install(|| model.step()))
        });
    }
    group.finish();
}

criterion_group!(benches, national_step);
criterion_main!(benches);
