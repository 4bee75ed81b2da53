//! What a month costs a person and what it costs a municipality (issue 11's linearity): whole
//! replicates of the baseline at several scales on 1 thread, the monthly steps after the burn-in
//! timed, and a least-squares line through the time of a municipality-month against its people
//! at the scales below 1. Its slope is the cost of a person-month; its intercept is the work of
//! a municipality-month that does not depend on its people (levers, the municipality's own
//! draws, allocation rounds, the month's counts), which is what makes small scales dearer per
//! agent-month. The last column is issue 11's linearity measure: each scale's agent-months a
//! second as a share of the largest scale's (the target is at least 0.8 from scale 0.01 to 1).
//!
//! `cargo run --release --example fixed_cost -- [--replicates N] [SCALE...]` (default 0.001 0.01
//! 0.1 1). Each scale steps about the same number of agent-months (4 / SCALE replicates, or N),
//! so each takes a few seconds, and all the months after the burn-in count, where the step bench
//! samples a few: on a machine whose speed moves from process to process, these are the steadier
//! figures. Each scale also prints, to standard error, every month it stepped, burn-in included:
//! `scripts/fixed_instructions.sh` divides callgrind's count of `Model::step` by them.

use std::time::Instant;

use hjemsim::model::Model;

fn main() {
    hjemsim::memory::keep_freed_memory();
    let mut args = std::env::args().skip(1).peekable();
    let replicates_given: Option<u32> = if args.peek().map(String::as_str) == Some("--replicates") {
        args.next();
        Some(
            args.next()
                .and_then(|n| n.parse().ok())
                .expect("--replicates takes a whole number"),
        )
    } else {
        None
    };
    let scales: Vec<f64> = args
        .map(|a| a.parse().expect("SCALE is a number"))
        .collect();
    let scales = if scales.is_empty() {
        vec![0.001, 0.01, 0.1, 1.0]
    } else {
        scales
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    println!(
        "scale  replicates  people a municipality-month  ns a municipality-month  ns an agent-month  \
         of the largest scale's rate"
    );
    let mut points = Vec::new();
    for &scale in &scales {
        let (_, setup) = hjemsim::commands::prepare(&path, &[format!("run.scale={scale}")])
            .expect("the baseline loads");
        let replicates = replicates_given.unwrap_or((4.0 / scale).round().max(1.0) as u32);
        let (mut agent_months, mut municipality_months, mut seconds) = (0u64, 0u64, 0.0);
        // Every step, the burn-in's included: what a count of `Model::step` covers.
        let (mut all_agent_months, mut all_municipality_months) = (0u64, 0u64);
        pool.install(|| {
            for replicate in 0..replicates {
                let mut model = Model::new(&setup, 1, replicate);
                for _ in 0..setup.scenario.run.burn_in_months {
                    all_agent_months += model.population();
                    all_municipality_months += model.municipalities.len() as u64;
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
        all_agent_months += agent_months;
        all_municipality_months += municipality_months;
        eprintln!(
            "stepped at scale {scale}: {all_municipality_months} municipality-months, \
             {all_agent_months} agent-months (burn-in included)"
        );
        let people = agent_months as f64 / municipality_months as f64;
        let ns = seconds * 1e9 / municipality_months as f64;
        points.push((scale, replicates, people, ns));
    }
    // Per agent-month, the largest scale's cost over each scale's: the share of its rate.
    let largest = points
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|p| p.3 / p.2);
    for &(scale, replicates, people, ns) in &points {
        let per_agent = ns / people;
        let share = largest.map_or(1.0, |l| l / per_agent);
        println!(
            "{scale:<6} {replicates:>10}  {people:>27.1}  {ns:>23.1}  {per_agent:>17.2}  {share:>26.2}"
        );
    }
    // The line through the scales below 1 only: at scale 1 a municipality-month has about
    // 9,350 people and takes about 40 µs, so the few per cent by which its time moves from run
    // to run are ten times the whole cost of a municipality-month, and a line through it would
    // measure that noise.
    let points: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.0 < 1.0)
        .map(|p| (p.2, p.3))
        .collect();
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
             (least squares over the scales below 1)"
        );
    }
}
