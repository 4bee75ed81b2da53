//! Dated changes (`[changes.NAME]`): a change takes effect in exactly its month, only where it
//! applies, and the population follows `population.youth_index`.

mod common;

use hjemsim::metrics::MonthCounts;
use hjemsim::model::{Model, Setup};

fn small_with(body: &str, sets: &[&str]) -> Setup {
    common::small_with("changed", body, sets)
}

/// Every month's counts per municipality, month by month.
fn run(setup: &Setup) -> Vec<(i32, Vec<MonthCounts>)> {
    let mut model = Model::new(setup, 7, 0);
    let mut out = Vec::new();
    while model.month <= setup.params.end {
        let month = model.month.0;
        out.push((month, model.step()));
    }
    out
}

const NO_ACCEPTANCE_FROM_2016_07: &str = r#"
[changes.refuse]
key = "allocation.offer_acceptance"
points = [{ month = "2016-07", value = 0.0 }]
"#;

#[test]
fn a_step_change_takes_effect_in_exactly_its_month() {
    let plain = run(&small_with("", &[]));
    let changed = run(&small_with(NO_ACCEPTANCE_FROM_2016_07, &[]));
    let from = hjemsim::calendar::Month::parse("2016-07").unwrap().0;
    let mut accepted_before = 0;
    for ((month, a), (_, b)) in plain.iter().zip(&changed) {
        let acceptances: u64 = b.iter().map(|c| c.acceptances).sum();
        if *month < from {
            // Common random numbers: before the change the runs are the same, count for count.
            assert_eq!(a, b, "month {month} differs before the change");
            accepted_before += acceptances;
        } else {
            assert_eq!(
                acceptances, 0,
                "month {month}: offers accepted after the change"
            );
        }
    }
    assert!(
        accepted_before > 0,
        "the test needs acceptances before the change"
    );
    // And the change does something in its first month: offers are refused.
    let first = changed.iter().find(|(m, _)| *m == from).unwrap();
    let refusals: u64 = first.1.iter().map(|c| c.refusals).sum();
    let offers: u64 = first.1.iter().map(|c| c.offers).sum();
    assert_eq!(refusals, offers);
}

#[test]
fn set_overrides_a_dated_change() {
    let setup = small_with(
        NO_ACCEPTANCE_FROM_2016_07,
        &["changes.refuse.points[0].month=2017-03"],
    );
    let from = hjemsim::calendar::Month::parse("2017-03").unwrap();
    assert_eq!(
        setup.levers_at(0, from.offset(-1)).params.offer_acceptance,
        setup.scenario.allocation.offer_acceptance
    );
    assert_eq!(setup.levers_at(0, from).params.offer_acceptance, 0.0);
}

#[test]
fn a_municipal_change_leaves_the_other_municipalities_untouched() {
    let plain = run(&small_with("", &[]));
    let setup = small_with(
        r#"
[changes.aarhus_refuses]
key = "allocation.offer_acceptance"
municipalities = ["Aarhus"]
points = [{ month = "2015-06", value = 0.0 }]
"#,
        &[],
    );
    let aarhus = setup
        .municipalities
        .iter()
        .position(|m| m.name == "Aarhus")
        .unwrap();
    let changed = run(&setup);
    let mut aarhus_differs = false;
    for ((month, a), (_, b)) in plain.iter().zip(&changed) {
        for m in 0..a.len() {
            if m == aarhus {
                aarhus_differs |= a[m] != b[m];
            } else {
                assert_eq!(a[m], b[m], "month {month}, municipality {m}");
            }
        }
    }
    assert!(aarhus_differs, "the change did nothing in Aarhus");
}

#[test]
fn linear_series_interpolate_and_hold_their_last_value() {
    let setup = small_with(
        r#"
[changes.acceptance]
key = "sleeping.shelter_acceptance"
interpolation = "linear"
points = [{ month = "2015-01", value = 0.3 }, { month = "2016-01", value = 0.9 }]
"#,
        &[],
    );
    let month = |s: &str| hjemsim::calendar::Month::parse(s).unwrap();
    let at = |s: &str| setup.levers_at(0, month(s)).params.shelter_acceptance;
    assert!((at("2015-07") - 0.6).abs() < 1e-12, "{}", at("2015-07"));
    assert_eq!(at("2017-12"), 0.9);
    assert_eq!(at("2014-12"), setup.scenario.sleeping.shelter_acceptance);
    assert_eq!(at("2015-01"), 0.3);
}

#[test]
fn the_population_follows_the_youth_index() {
    let setup = small_with(
        r#"
[population]
youth_index = 0.8

[changes.cohorts]
key = "population.youth_index"
interpolation = "linear"
points = [{ month = "2013-01", value = 0.8 }, { month = "2017-12", value = 1.0 }]
"#,
        &[],
    );
    let table: f64 = setup
        .municipalities
        .iter()
        .map(|m| m.population_18_29 as f64)
        .sum::<f64>()
        * setup.scenario.run.scale;
    let start: u64 = setup.initial_people.iter().map(|&x| x as u64).sum();
    assert!(
        ((start as f64) / table - 0.8).abs() < 0.001,
        "start {start} of {table}"
    );
    let months = run(&setup);
    let end: u64 = months
        .last()
        .unwrap()
        .1
        .iter()
        .map(|c| c.population_end)
        .sum();
    // Entrants are Poisson: the sum over 60 months of about 250 a month has an sd of about 120
    // agents; allow 4 sd, plus the deaths that are not replaced.
    let expected = table;
    let deaths: u64 = months
        .iter()
        .flat_map(|(_, c)| c.iter().map(|c| c.deaths))
        .sum();
    let entrants: f64 = setup.entrants_mean.iter().flatten().sum();
    let sd = entrants.sqrt();
    assert!(
        ((end + deaths) as f64 - expected).abs() < 4.0 * sd,
        "end {end} + deaths {deaths} against {expected} (sd {sd:.0})"
    );
}
