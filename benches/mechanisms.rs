//! What each part of a run costs (issue 11), at national scale unless said otherwise:
//! population synthesis (a replicate's initial people and ties), the monthly step of the
//! baseline and with one thing added (movement between municipalities; the four tracks' budgets
//! buying units, workers and places; a national rollout of Helt Hjem), and writing one
//! replicate's run folder. Items are
//! agent-months (people for synthesis). Run: `cargo bench --bench mechanisms`.
//!
//! The step's variants differ from the baseline by one `--set` or one scenario file, so their
//! difference is what that adds.

use std::path::Path;

use divan::Bencher;
use divan::counter::ItemsCount;
use hjemsim::commands::prepare;
use hjemsim::model::{Model, Setup};

mod common;

fn main() {
    divan::main();
}

fn setup(file: &str, sets: &[&str]) -> Setup {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    prepare(&path, &sets).expect("the scenario loads").1
}

/// A replicate's initial population (people, traits, ties) for all 98 municipalities.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn population_synthesis(bencher: Bencher) {
    let setup = setup("scenarios/baseline.toml", &[]);
    let people: u32 = setup.initial_people.iter().sum();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    bencher
        .counter(ItemsCount::new(people as usize))
        .bench_local(|| pool.install(|| Model::new(&setup, 1, 0).population()));
}

const VARIANTS: [&str; 4] = [
    "baseline",
    "movement on",
    "all four tracks",
    "helt-hjem rollout",
];

/// One month after the burn-in, on 1 thread.
#[divan::bench(args = VARIANTS, sample_count = 20, sample_size = 1)]
fn monthly_step(bencher: Bencher, variant: &str) {
    let setup = match variant {
        "baseline" => setup("scenarios/baseline.toml", &[]),
        "movement on" => setup("scenarios/baseline.toml", &["movement.enabled=true"]),
        "all four tracks" => setup("scenarios/tracks/all-four.toml", &[]),
        _ => setup("scenarios/rollout/helt-hjem-national.toml", &[]),
    };
    let (pool, mut model) = common::after_burn_in(&setup, 1);
    let people = model.population() as usize;
    bencher
        .counter(ItemsCount::new(people))
        .bench_local(|| pool.install(|| model.step()));
}

/// Writing one replicate of the baseline at scale 0.1 (2007-2030) into a run folder:
/// `monthly.csv` and the other tables, summary, series.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn output_writing(bencher: Bencher) {
    let setup = setup("scenarios/baseline.toml", &["run.scale=0.1"]);
    let result = hjemsim::engine::run_replicate(&setup, 1, 0, &|| {});
    let months: usize = result.months.iter().map(|(_, c)| c.len()).sum();
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = setup
        .municipalities
        .iter()
        .map(|m| m.name.clone())
        .collect();
    bencher.counter(ItemsCount::new(months)).bench_local(|| {
        let mut w = hjemsim::output::run::RunWriter::new(
            &dir.path().join("baseline"),
            "baseline",
            setup.run.scale,
            names.clone(),
            false,
        )
        .unwrap();
        w.write_replicate(&setup, &result).unwrap();
        w.finish(|_| Ok(())).unwrap()
    });
}
