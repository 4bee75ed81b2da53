//! Budgets: what a track buys never costs more than its budget, in the plan or month by month,
//! and what it buys reaches the people it is meant for.

mod common;
use common::*;

use hjemsim::commands::prepare;
use hjemsim::model::{Model, Setup};

const BUDGETED: [&str; 8] = [
    "tracks/housing.toml",
    "tracks/jobs-education.toml",
    "tracks/community.toml",
    "tracks/health.toml",
    "tracks/all-four.toml",
    "concepts/helt-hjem.toml",
    "concepts/housing-first.toml",
    "concepts/24-7.toml",
];

fn small(path: &str) -> Setup {
    let sets = [
        "run.scale=0.05".to_string(),
        "run.start=2015-01".to_string(),
        "run.end=2016-12".to_string(),
        "run.burn_in_months=12".to_string(),
    ];
    prepare(&scenario(path), &sets)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .1
}

#[test]
fn the_plan_never_exceeds_the_budget() {
    for path in BUDGETED {
        let setup = small(path);
        let budget = setup.scenario.budget.annual_dkk;
        let mut total = 0;
        for (item, bought) in setup.scenario.budget.items.iter().zip(&setup.purchases) {
            let allowed = (budget as f64 * item.share).floor() as u64;
            assert!(
                bought.annual_dkk() <= allowed,
                "{path}: {bought:?} over {allowed}"
            );
            // Whole units: one more would not have fitted.
            assert!(
                bought.annual_dkk() + bought.unit_cost_per_year > allowed,
                "{path}: {bought:?} leaves a whole unit unbought"
            );
            assert!(bought.quantity > 0, "{path}: {bought:?} buys nothing");
            total += bought.annual_dkk();
        }
        assert!(total <= budget, "{path}: plan {total} over budget {budget}");
    }
}

#[test]
fn spending_month_by_month_stays_within_the_budget() {
    for path in BUDGETED {
        let setup = small(path);
        let scale = setup.scenario.run.scale;
        let budget = setup.scenario.budget.annual_dkk as f64;
        let mut model = Model::new(&setup, 1, 0);
        let mut year = Vec::new();
        while model.month <= setup.params.end {
            let spent: u64 = model.step().iter().map(|c| c.budget_spend_dkk).sum();
            year.push(spent as f64 / scale);
        }
        for window in year.chunks(12) {
            let spent: f64 = window.iter().sum();
            // Scaling apportions whole units, so allow the rounding of one unit per item.
            let slack = setup
                .purchases
                .iter()
                .map(|p| p.unit_cost_per_year as f64 / scale)
                .sum::<f64>();
            assert!(spent <= budget + slack, "{path}: spent {spent} of {budget}");
            assert!(
                spent > 0.5 * budget,
                "{path}: spent only {spent} of {budget}"
            );
        }
    }
}

#[test]
fn bought_units_and_places_are_used() {
    let run = |setup: &Setup| {
        let mut model = Model::new(setup, 5, 0);
        let mut totals = hjemsim::metrics::MonthCounts::default();
        while model.month <= setup.params.end {
            for c in model.step() {
                totals.add(&c);
            }
        }
        totals
    };
    let base = run(&small("baseline.toml"));
    let housing = run(&small("tracks/housing.toml"));
    assert!(
        housing.exits_allocation > base.exits_allocation,
        "the housing track's units were not allocated: {} vs {}",
        housing.exits_allocation,
        base.exits_allocation
    );
    let community = run(&small("tracks/community.toml"));
    assert!(
        community.community_participants > 0 && community.community_ties > 0,
        "participants {} ties {} joins {}",
        community.community_participants,
        community.community_ties,
        community.programme_joins
    );
    assert_eq!(base.community_participants, 0);
    let jobs = run(&small("tracks/jobs-education.toml"));
    assert!(jobs.ips_participants > 0);
}

/// IPS places of one reach, with nobody ever accepting a housing offer (so nobody is rehoused).
fn ips_reaching(reach: &str) -> hjemsim::metrics::MonthCounts {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("reach.toml");
    std::fs::write(
        &path,
        format!(
            "extends = {:?}\nname = \"reach\"\n[allocation]\noffer_acceptance = 0.0\n\
             [budget]\nannual_dkk = 50000000\n\
             [[budget.items]]\nlever = \"places\"\ntarget = \"ips\"\nreach = \"{reach}\"\nshare = 1.0\n",
            scenario("baseline.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let sets = [
        "run.scale=0.05".to_string(),
        "run.start=2015-01".to_string(),
        "run.end=2016-12".to_string(),
        "run.burn_in_months=12".to_string(),
    ];
    let setup = prepare(&path, &sets).unwrap().1;
    let mut model = Model::new(&setup, 5, 0);
    let mut totals = hjemsim::metrics::MonthCounts::default();
    while model.month <= setup.params.end {
        for c in model.step() {
            hjemsim::metrics::check_books(&c).unwrap();
            totals.add(&c);
        }
        // Places are never exceeded, and every participant holds the programme's bit.
        for m in &model.municipalities {
            for q in 0..hjemsim::model::POOLS {
                assert!(m.participants[q].len() as u32 <= m.places[q]);
                for &(id, _) in &m.participants[q] {
                    let i = m.row_of(id).expect("a participant is present");
                    assert_ne!(m.people.core[i].programmes, 0);
                }
            }
        }
    }
    assert_eq!(totals.exits_allocation, 0);
    totals
}

#[test]
fn programme_places_reach_the_group_they_are_bought_for() {
    // Places for the rehoused stay empty when nobody is rehoused ...
    assert_eq!(ips_reaching("rehoused").programme_joins, 0);
    // ... while places for the homeless, people at risk and care leavers fill.
    for reach in ["homeless", "at_risk", "care_leavers"] {
        let t = ips_reaching(reach);
        assert!(t.programme_joins > 0, "{reach}: nobody joined");
        assert!(t.ips_participants > 0, "{reach}: no participants");
    }
}
