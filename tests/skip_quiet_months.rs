//! Skipping quiet months (`run.skip_quiet_months`, `model::skip`) changes the random scheme but
//! not the model: with it on and off, the national measures agree in distribution. Each
//! measure's difference of means is held to 4.5 standard errors of that difference, estimated
//! from the replicates of both arms (a false alarm about once in 150,000 per measure).

mod common;
use common::*;

use rayon::prelude::*;

const REPLICATES: u32 = 48;

/// The national measures of every replicate, by measure name.
fn measures(skip: bool) -> Vec<(String, Vec<f64>)> {
    let setup = small_with(
        "skip",
        "",
        &[
            &format!("run.skip_quiet_months={skip}"),
            "run.scale=0.03",
            "run.end=\"2019-12\"",
        ],
    );
    assert_eq!(setup.skip.enabled, skip);
    let runs: Vec<Vec<(String, f64)>> = (0..REPLICATES)
        .into_par_iter()
        .map(|r| {
            let result = hjemsim::engine::run_replicate(&setup, 11, r, &|| {});
            let mut m =
                hjemsim::metrics::replicate_summary(&result.months, setup.run.scale).metrics;
            // Shares of the whole population at the end, and deaths: what life events and
            // housed hazards make, beside the summary's homelessness measures.
            let (_, last) = result.months.last().expect("months");
            let sum = |f: fn(&hjemsim::metrics::MonthCounts) -> u64| -> f64 {
                last.iter().map(f).sum::<u64>() as f64
            };
            let population = sum(|c| c.population_end);
            m.push((
                "psychiatric_share_end".into(),
                sum(|c| c.psychiatric) / population,
            ));
            m.push((
                "substance_share_end".into(),
                sum(|c| c.substance) / population,
            ));
            m.push(("job_share_end".into(), sum(|c| c.in_job) / population));
            // People at risk sleep too: how many there are, and how many of them enter.
            m.push(("at_risk_share_end".into(), sum(|c| c.at_risk) / population));
            let total = |f: fn(&hjemsim::metrics::MonthCounts) -> u64| -> f64 {
                result
                    .months
                    .iter()
                    .flat_map(|(_, c)| c)
                    .map(f)
                    .sum::<u64>() as f64
            };
            m.push(("entries_at_risk".into(), total(|c| c.entries_at_risk)));
            let deaths: u64 = result
                .months
                .iter()
                .flat_map(|(_, c)| c)
                .map(|c| c.deaths)
                .sum();
            m.push(("deaths".into(), deaths as f64));
            m
        })
        .collect();
    runs[0]
        .iter()
        .enumerate()
        .map(|(k, (name, _))| (name.clone(), runs.iter().map(|m| m[k].1).collect()))
        .collect()
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

#[test]
fn skipping_quiet_months_leaves_the_model_unchanged_in_distribution() {
    let (on, off) = (measures(true), measures(false));
    // The measures that quiet months make: the life events of the housed and of those at risk,
    // their entries into homelessness, and what follows from them.
    let watched = [
        "homeless_end",
        "homeless_entries",
        "homeless_person_months",
        "entries_return",
        "exits_self",
        "neet_share_end",
        "rehoused_12m_self",
        "psychiatric_share_end",
        "substance_share_end",
        "job_share_end",
        "deaths",
        "at_risk_share_end",
        "entries_at_risk",
    ];
    let mut checked = 0;
    let mut differs = false;
    for ((name, a), (name_off, b)) in on.iter().zip(&off) {
        assert_eq!(name, name_off);
        if !watched.contains(&name.as_str()) {
            continue;
        }
        checked += 1;
        let ((ma, va), (mb, vb)) = (mean_var(a), mean_var(b));
        let se = ((va + vb) / REPLICATES as f64).sqrt();
        assert!(se > 0.0, "{name} does not vary between replicates");
        let z = (ma - mb) / se;
        assert!(
            z.abs() < 4.5,
            "{name}: {ma} with quiet months skipped, {mb} without (z = {z:.2})"
        );
        differs |= a != b;
    }
    assert_eq!(checked, watched.len(), "a watched measure is missing");
    // The two schemes are different random streams: equal bytes would mean the key is ignored.
    assert!(differs, "skipping changed no replicate at all");
}
