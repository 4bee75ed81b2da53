//! The ceiling the full model is measured against (issue 11): a sweep over the national
//! population's column layout (0.92 million young people, scale 1) that per person-month does
//! one keyed draw and one table look-up and writes one byte back, split over municipalities on
//! the rayon pool as the model is. Nothing else: no events, no counts, no allocation.
//!
//! `cargo run --release --example bare_sweep -- [THREADS] [MONTHS]` prints agent-months per
//! second (`scripts/bench.sh` runs it beside the model).

use std::time::Instant;

use hjemsim::rng::{Decision, ReplicateKey};
use rayon::prelude::*;

/// One municipality's columns: what a quiet month of the model reads and writes.
struct Columns {
    id: Vec<u32>,
    birth_month: Vec<i32>,
    traits: Vec<u8>,
    housing: Vec<u8>,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().map_or(1, |a| a.parse().expect("THREADS"));
    let months: i32 = args.next().map_or(120, |a| a.parse().expect("MONTHS"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let (_, setup) = hjemsim::commands::prepare(&path, &[]).expect("the baseline loads");
    let mut columns: Vec<Columns> = setup
        .initial_people
        .iter()
        .enumerate()
        .map(|(m, &n)| Columns {
            id: (0..n).map(|i| (m as u32) << 24 | i).collect(),
            birth_month: (0..n as i32).map(|i| 24_000 - 12 * 18 - i % 144).collect(),
            traits: (0..n).map(|i| (i % 7) as u8).collect(),
            housing: vec![0; n as usize],
        })
        .collect();
    let people: u64 = columns.iter().map(|c| c.id.len() as u64).sum();
    // A table of thresholds by traits x age band, as the model's prepared housed table.
    let table: Vec<u32> = (0..8 * 12).map(|i| 1_000_000 + i as u32 * 7_919).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let key = ReplicateKey::new(1, 0);
    let started = Instant::now();
    let events: u64 = pool.install(|| {
        (0..months)
            .map(|month| {
                let draws = key.month(24_000 + month);
                columns
                    .par_iter_mut()
                    .map(|c| {
                        let mut events = 0u64;
                        for i in 0..c.id.len() {
                            let u = draws.u32(c.id[i], Decision::HousingEvent);
                            let band = ((24_000 + month - c.birth_month[i]) / 12).clamp(0, 11);
                            let t = table[c.traits[i] as usize % 8 * 12 + band as usize];
                            let event = u < t;
                            c.housing[i] ^= event as u8;
                            events += event as u64;
                        }
                        events
                    })
                    .sum::<u64>()
            })
            .sum()
    });
    let seconds = started.elapsed().as_secs_f64();
    let agent_months = people * months as u64;
    println!(
        "bare sweep: {people} people x {months} months on {threads} thread(s): {seconds:.3} s, \
         {:.1} M agent-months/s ({events} events)",
        agent_months as f64 / seconds / 1e6
    );
    if threads == 1 {
        // The model's own columns at the start of a replicate and at its end (capacity never
        // shrinks, so the end shows the most a run held), per person present.
        let mut model = hjemsim::model::Model::new(&setup, 1, 0);
        let per_person = |model: &hjemsim::model::Model, when: &str| {
            let (mut used, mut allocated) = ((0, 0), (0, 0));
            for m in &model.municipalities {
                let (u, a) = (m.people.column_bytes(false), m.people.column_bytes(true));
                used = (used.0 + u.0, used.1 + u.1);
                allocated = (allocated.0 + a.0, allocated.1 + a.1);
            }
            let rows = model.population() as f64;
            println!(
                "model columns {when}: {rows} people present, {:.1} bytes each beside the network \
                 ({:.1} allocated, with the rows of those who left and room for entrants), {:.1} \
                 for the network ({:.1} allocated)",
                used.0 as f64 / rows,
                allocated.0 as f64 / rows,
                used.1 as f64 / rows,
                allocated.1 as f64 / rows
            );
        };
        per_person(&model, "at the start");
        while model.month <= setup.params.end {
            model.step();
        }
        per_person(&model, "at the end");
    }
}
