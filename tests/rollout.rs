//! Rollout: capacity from the start month and within the plan, costs that add up by payer and
//! item with the refund cut-overs, untouched non-adopters, balanced moves, and diffusion that
//! adopts in the month its condition is met.

mod common;

use hjemsim::calendar::Month;
use hjemsim::metrics::{MonthCounts, check_books};
use hjemsim::model::rollout::Adoption;
use hjemsim::model::{Model, Setup};

fn setup(body: &str, sets: &[&str]) -> Setup {
    common::small_with("rollout-test", body, sets)
}

struct Month_ {
    month: Month,
    counts: Vec<MonthCounts>,
    rows: Vec<hjemsim::model::rollout::RolloutRow>,
    adoptions: Vec<Vec<Adoption>>,
}

fn run(setup: &Setup) -> Vec<Month_> {
    run_replicate(setup, 0)
}

fn run_replicate(setup: &Setup, replicate: u32) -> Vec<Month_> {
    let mut model = Model::new(setup, 11, replicate);
    let mut out = Vec::new();
    while model.month <= setup.params.end {
        let month = model.month;
        let counts = model.step();
        out.push(Month_ {
            month,
            counts,
            rows: model.rollout_rows().cloned().collect(),
            adoptions: model.adoptions.by_municipality.clone(),
        });
    }
    out
}

fn index(setup: &Setup, name: &str) -> usize {
    setup
        .municipalities
        .iter()
        .position(|m| m.name == name)
        .unwrap()
}

const HOUSING_FIRST_IN_AARHUS: &str = r#"
[[rollout]]
concept = "housing-first"
channel = "dsi"
municipalities = ["Aarhus"]
start = "2016-01"
ramp_months = 6
"#;

#[test]
fn nobody_is_served_before_the_start_and_capacity_never_exceeds_the_plan() {
    let s = setup(HOUSING_FIRST_IN_AARHUS, &["run.scale=0.2"]);
    let aarhus = index(&s, "Aarhus");
    let start = Month::parse("2016-01").unwrap();
    // The plan, computed here from the scenario: CTI workers per 10,000 young x caseload x scale.
    let concept = &s.scenario.concepts["housing-first"];
    let youth = s.municipalities[aarhus].population_18_29 as f64;
    let full = (concept.components[0].per_10k_youth * youth / 10_000.0
        * s.scenario.support.caseload[0] as f64
        * 0.2)
        .round() as u64;
    assert!(full > 0);
    let mut reached_full = false;
    for m in run(&s) {
        let served: u64 = m.counts.iter().map(|c| c.rollout_served).sum();
        if m.month < start {
            assert!(
                m.rows.is_empty(),
                "{}: rollout rows before the start",
                m.month
            );
            assert_eq!(served, 0);
            continue;
        }
        let row = m
            .rows
            .iter()
            .find(|r| r.municipality as usize == aarhus)
            .unwrap();
        let ramp = ((m.month.0 - start.0 + 1) as u64).min(6);
        assert_eq!(row.capacity, full * ramp / 6, "{}", m.month);
        assert!(row.served <= row.capacity);
        reached_full |= row.capacity == full && row.served > 0;
        for c in &m.counts {
            check_books(c).unwrap();
        }
    }
    assert!(
        reached_full,
        "the rollout never served anyone at full capacity"
    );
}

#[test]
fn a_municipality_that_adopts_nothing_is_unchanged_without_movement() {
    let plain = run(&setup("", &["run.scale=0.2"]));
    let s = setup(HOUSING_FIRST_IN_AARHUS, &["run.scale=0.2"]);
    let aarhus = index(&s, "Aarhus");
    let with = run(&s);
    let mut aarhus_differs = false;
    for (a, b) in plain.iter().zip(&with) {
        for (m, (x, y)) in a.counts.iter().zip(&b.counts).enumerate() {
            if m == aarhus {
                aarhus_differs |= x != y;
            } else {
                assert_eq!(x, y, "{} {}", a.month, s.municipalities[m].name);
            }
        }
    }
    assert!(aarhus_differs, "the adopter itself should change");
}

#[test]
fn costs_add_up_and_the_refund_cut_overs_apply() {
    let s = setup(
        HOUSING_FIRST_IN_AARHUS
            .replace("2016-01", "2023-01")
            .as_str(),
        &[
            "run.start=2023-01",
            "run.end=2026-12",
            "run.burn_in_months=12",
        ],
    );
    let reform = Month::parse("2023-10").unwrap();
    let ninety = Month::parse("2026-04").unwrap();
    let mut share_120 = Vec::new();
    let mut share_90 = Vec::new();
    let mut investor = 0;
    let mut after_reform = Vec::new();
    for m in run(&s) {
        let mut national = MonthCounts::default();
        for c in &m.counts {
            check_books(c).unwrap(); // every item's payers add up to its spend
            national.add(c);
            if m.month < reform {
                // No time limit: the state pays exactly half of every shelter month.
                assert_eq!(c.paid_shelter_state_dkk, c.shelter_cost_dkk / 2);
                assert_eq!(c.paid_support_state_dkk, 0, "{}", m.month);
            }
        }
        let items: u64 = national.spend().iter().sum();
        let payers: u64 = national.paid_by_payer().iter().sum();
        assert_eq!(items, payers, "{}", m.month);
        investor += national.paid_support_investor_dkk;
        if m.month >= reform && national.shelter_cost_dkk > 0 {
            let share = national.paid_shelter_state_dkk as f64 / national.shelter_cost_dkk as f64;
            assert!(share <= 0.5, "{}: {share}", m.month);
            after_reform.push(share);
            assert!(national.paid_support_state_dkk > 0, "{}", m.month);
            if m.month >= ninety {
                share_90.push(national.shelter_refund_nights as f64 / national.shelter as f64);
            } else if m.month >= reform.offset(6) {
                share_120.push(national.shelter_refund_nights as f64 / national.shelter as f64);
            }
        }
    }
    assert!(investor > 0, "DSI's term should pay Aarhus's support");
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    // Stays past the limit are no longer refunded.
    assert!(mean(&after_reform) < 0.5, "{after_reform:?}");
    // 90 days refund fewer nights per guest than 120 days.
    assert!(
        mean(&share_90) < mean(&share_120),
        "{share_90:?} vs {share_120:?}"
    );
}

#[test]
fn with_movement_the_national_books_balance_every_month() {
    let s = setup(HOUSING_FIRST_IN_AARHUS, &["movement.enabled=true"]);
    let months = run(&s);
    let mut moved = 0;
    for pair in months.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let out: u64 = a.counts.iter().map(|c| c.moved_out).sum();
        let into: u64 = a.counts.iter().map(|c| c.moved_in).sum();
        assert_eq!(out, into, "{}", a.month);
        moved += out;
        let end: u64 = a.counts.iter().map(|c| c.population_end).sum();
        let next: u64 = b.counts.iter().map(|c| c.population_start).sum();
        assert_eq!(end + into, next, "{}", a.month);
        for c in &a.counts {
            check_books(c).unwrap();
        }
    }
    assert!(moved > 0);
}

#[test]
fn diffusion_adopts_in_the_month_its_condition_is_met() {
    let s = setup(
        r#"
[[rollout]]
concept = "helt-hjem"
channel = "municipal"
municipalities = ["København"]
start = "2014-01"
ramp_months = 1

[[rollout]]
concept = "helt-hjem"
channel = "municipal"
select = { regions = ["Region Hovedstaden"] }
start = "2014-01"
diffusion = { from = "neighbours", after_months = 6, min_reduction = 0.0 }
"#,
        &["run.scale=0.2"],
    );
    // Whether diffusion happens at all in these few years depends on the luck of the
    // neighbours' counts, so replicates are run until some did; every adoption is checked.
    let mut diffused = 0;
    for replicate in 0..8 {
        if diffused > 0 {
            break;
        }
        let months = run_replicate(&s, replicate);
        let homeless = |t: usize, m: usize| months[t].counts[m].homeless();
        // The rule, restated: a neighbour that has had the concept for 6 months, whose count last
        // month is no higher than in the month before it adopted.
        let condition = |t: usize, m: usize| {
            s.municipalities[m].neighbours.iter().any(|&n| {
                months[t - 1].adoptions[n as usize].iter().any(|a| {
                    let since = months.iter().position(|x| x.month == a.start).unwrap();
                    t >= since + 6
                        && since >= 1
                        && homeless(t - 1, n as usize) <= homeless(since - 1, n as usize)
                })
            })
        };
        let first = months
            .iter()
            .position(|x| x.month == Month::parse("2014-01").unwrap())
            .unwrap();
        for m in 0..s.municipalities.len() {
            let Some(t) = (first..months.len())
                .find(|&t| months[t].adoptions[m].iter().any(|a| a.entry == 1))
            else {
                continue;
            };
            if t > first {
                diffused += 1;
                assert!(
                    condition(t, m),
                    "{} adopted without its condition",
                    s.municipalities[m].name
                );
                assert!(
                    !condition(t - 1, m) || t - 1 == first,
                    "{} adopted a month late",
                    s.municipalities[m].name
                );
            }
        }
    }
    assert!(diffused > 0, "nobody adopted by diffusion");
}
