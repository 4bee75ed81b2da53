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

/// The homeless rows of every municipality of `model`, and their ids (the street peers).
fn homeless(model: &Model) -> Vec<(Vec<u32>, Vec<u32>)> {
    model
        .municipalities
        .iter()
        .map(|m| {
            let rows: Vec<u32> = (m.first_live..m.people.len())
                .filter(|&i| m.people.housing[i].is_homeless())
                .map(|i| i as u32)
                .collect();
            let ids = rows.iter().map(|&r| m.people.core[r as usize].id).collect();
            (rows, ids)
        })
        .collect()
}

/// Municipal allocation alone, in all 98 municipalities after the burn-in (1 thread): the
/// month's vacancy draws, the need-ranked list of the homeless and the offers with eligibility,
/// rent and acceptance. Decisions only: nobody moves in, so every sample sees the same month.
/// Items: homeless young people on the lists.
#[divan::bench(sample_count = 30, sample_size = 1)]
fn allocation(bencher: Bencher) {
    use hjemsim::model::allocation;
    let setup = setup("scenarios/baseline.toml", &[]);
    let (_pool, model) = common::after_burn_in(&setup, 1);
    let rows = homeless(&model);
    let listed: usize = rows.iter().map(|(r, _)| r.len()).sum();
    let (key, month) = (model.key, model.month);
    let draws = key.month(month.0);
    // Kept from sample to sample, as each municipality keeps its own from month to month.
    let mut kept = vec![allocation::SlotDraws::default(); model.municipalities.len()];
    bencher.counter(ItemsCount::new(listed)).bench_local(|| {
        let mut offers = 0;
        let mut queue = Vec::new();
        for ((m, (rows, _)), kept) in model.municipalities.iter().zip(&rows).zip(&mut kept) {
            let params = &setup.levers_at(m.index as usize, month).params;
            let streams = hjemsim::rng::MunicipalMonth::new(key, m.index, month.0);
            let (slots, _) = allocation::draw_slots(streams, params, &m.stock, &m.occupied, kept);
            allocation::build_queue(&m.people, rows, month.0, params, &mut queue);
            let (made, _) = allocation::make_offers(
                &queue,
                slots,
                |row, s| allocation::fits(&m.people, row, s, params),
                |row, s| allocation::accepts(&m.people, row, s, params, draws),
            );
            offers += made.len();
        }
        offers
    });
}

/// The network update alone (1 thread): every homeless young person's ties decay and new ones
/// form (street peers or housed), in all 98 municipalities after the burn-in, on a copy of the
/// people made outside the timing. Items: homeless young people.
#[divan::bench(sample_count = 30, sample_size = 1)]
fn network_update(bencher: Bencher) {
    use hjemsim::model::network;
    let setup = setup("scenarios/baseline.toml", &[]);
    let (_pool, model) = common::after_burn_in(&setup, 1);
    let rows = homeless(&model);
    let homeless_people: usize = rows.iter().map(|(r, _)| r.len()).sum();
    let month = model.month;
    let draws = model.key.month(month.0);
    bencher
        .counter(ItemsCount::new(homeless_people))
        .with_inputs(|| {
            model
                .municipalities
                .iter()
                .map(|m| m.people.clone())
                .collect::<Vec<_>>()
        })
        .bench_local_values(|mut people| {
            for ((m, p), (rows, ids)) in model.municipalities.iter().zip(&mut people).zip(&rows) {
                let drift = setup
                    .levers_at(m.index as usize, month)
                    .params
                    .network
                    .drift;
                for &row in rows {
                    network::homeless_drift(
                        p,
                        row as usize,
                        draws,
                        drift,
                        m.index,
                        (m.base_serial, m.next_serial),
                        ids,
                    );
                }
            }
            people
        });
}
