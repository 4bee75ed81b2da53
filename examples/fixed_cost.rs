//! What a month costs a person and what it costs a municipality (issue 11's linearity): whole
//! replicates of the baseline at several scales on 1 thread, the monthly steps after the burn-in
//! timed, and a least-squares line through the time of a municipality-month against its people.
//! Its slope is the cost of a person-month; its intercept is the work of a municipality-month
//! that does not depend on its people (levers, the municipality's own draws, allocation rounds,
//! the month's counts), which is what makes small scales dearer per agent-month.
//!
//! `cargo run --release --example fixed_cost -- [SCALE...]` (default 0.001 0.01 0.1). Each scale
//! steps about the same number of agent-months (4 / SCALE replicates), so the three take a few
//! seconds each.

use std::time::Instant;

use hjemsim::model::Model;

fn main() {
    hjemsim::memory::keep_freed_memory();
    let scales: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("SCALE is a number"))
        .collect();
    let scales = if scales.is_empty() {
        vec![0.001, 0.01, 0.1]
    } else {
        scales
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    println!(
        "scale  replicates  people a municipality-month  ns a municipality-month  ns an agent-month"
    );
    let mut points = Vec::new();
    for &scale in &scales {
        let (_, setup) = hjemsim::commands::prepare(&path, &[format!("run.scale={scale}")])
            .expect("the baseline loads");
        let replicates = (4.0 / scale).round().max(1.0) as u32;
        let (mut agent_months, mut municipality_months, mut seconds) = (0u64, 0u64, 0.0);
        pool.install(|| {
            for replicate in 0..replicates {
                let mut model = Model::new(&setup, 1, replicate);
                for _ in 0..setup.scenario.run.burn_in_months {
                    model.step();
                }
                let started = Instant::now();
                while model.month <= setup.params.end {
                    agent_months += model.population();
                    municipality_months += model.municipalities.len() as u64;
                    model.step();
                }
                seconds += started.elapsed().as_secs_f64();
            }
        });
        let people = agent_months as f64 / municipality_months as f64;
        let ns = seconds * 1e9 / municipality_months as f64;
        println!(
            "{scale:<6} {replicates:>10}  {people:>27.1}  {ns:>23.1}  {:>17.2}",
            ns / people
        );
        points.push((people, ns));
    }
    if points.len() >= 2 {
        let n = points.len() as f64;
        let (mx, my) = (
            points.iter().map(|p| p.0).sum::<f64>() / n,
            points.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let per_person = sxy / sxx;
        let fixed = my - per_person * mx;
        println!(
            "fit: {per_person:.2} ns a person-month + {fixed:.0} ns a municipality-month \
             (least squares over the scales above)"
        );
    }
}
