//! Contract 3 (DESIGN.md): every month, in every municipality, people in + entries - exits =
//! people out; no state count is negative; no shelter, housing stock or allocation capacity is
//! exceeded. Checked on every month of the benchmark run, burn-in included.

mod common;

use hjemsim::commands::prepare;
use hjemsim::metrics::{MonthCounts, check_books};
use hjemsim::model::Model;

#[test]
fn books_balance_in_every_municipality_every_month() {
    let (_, setup) = prepare(&common::scenario("benchmarks/small.toml"), &[]).unwrap();
    let mut checked = 0;
    let mut national = MonthCounts::default();
    for replicate in 0..2 {
        let mut model = Model::new(&setup, setup.scenario.run.seed, replicate);
        let mut previous_end: Vec<u64> = model.municipalities.iter().map(|m| m.live).collect();
        while model.month <= setup.params.end {
            let month = model.month;
            let counts = model.step();
            for (m, c) in counts.iter().enumerate() {
                if let Err(e) = check_books(c) {
                    panic!("{} {month}: {e}", setup.municipalities[m].name);
                }
                assert_eq!(
                    c.population_start, previous_end[m],
                    "{} {month}: month starts with a different population than the last ended",
                    setup.municipalities[m].name
                );
                previous_end[m] = c.population_end;
                national.add(c);
                checked += 1;
            }
            // The model's own head count agrees with the books.
            let total: u64 = counts.iter().map(|c| c.population_end).sum();
            assert_eq!(total, model.population());
        }
    }
    assert_eq!(checked, 2 * 98 * 60);
    // The run actually exercised the flows the books are about.
    assert!(national.homeless_entries > 0 && national.exits_self > 0);
    assert!(national.exits_allocation > 0 && national.refusals > 0);
    assert!(national.exits_age30 > 0 && national.entries_18 > 0 && national.deaths > 0);
    assert!(national.shelter > 0 && national.sofa > 0 && national.street > 0);
    assert!(national.support_starts > 0 && national.support_ends > 0);
    assert!(national.cti_phase_3 > 0 && national.icm_clients > 0 && national.act_clients > 0);
    // Courses run their nine months and end, and after them some people are in AfterSupport.
    assert!(national.cti_completions > 0 && national.after_support > 0);
}

#[test]
fn books_balance_with_every_track_and_concept_on() {
    for path in [
        "tracks/all-four.toml",
        "concepts/helt-hjem.toml",
        "concepts/housing-first.toml",
        "concepts/kollegium.toml",
        "concepts/24-7.toml",
    ] {
        let sets = [
            "run.scale=0.05".to_string(),
            "run.end=2016-12".to_string(),
            "run.burn_in_months=24".to_string(),
        ];
        let (_, setup) = prepare(&common::scenario(path), &sets).unwrap();
        let mut model = Model::new(&setup, 2, 0);
        let mut joins = 0;
        while model.month <= setup.params.end {
            let month = model.month;
            for (m, c) in model.step().iter().enumerate() {
                if let Err(e) = check_books(c) {
                    panic!("{path}: {} {month}: {e}", setup.municipalities[m].name);
                }
                joins += c.programme_joins + c.support_starts;
            }
        }
        assert!(joins > 0, "{path}: nobody took up what was bought");
    }
}

#[test]
fn the_check_catches_broken_books() {
    let good = MonthCounts {
        population_start: 10,
        entries_18: 2,
        exits_age30: 1,
        population_end: 11,
        housed: 10,
        neet: 1,
        in_job: 10,
        sofa: 1,
        sofa_18_24: 1,
        shelter_beds: 1,
        ..MonthCounts::default()
    };
    assert_eq!(check_books(&good), Ok(()));
    let lost = MonthCounts {
        population_end: 10,
        ..good
    };
    assert!(check_books(&lost).is_err());
    let overfull = MonthCounts {
        sofa: 0,
        sofa_18_24: 0,
        shelter: 1,
        shelter_18_24: 1,
        shelter_beds: 0,
        ..good
    };
    assert!(check_books(&overfull).unwrap_err().contains("beds"));
    let over_caseload = MonthCounts {
        housed: 9,
        housed_supported: 1,
        cti_phase_2: 1,
        support_capacity_cti: 0,
        ..good
    };
    assert!(check_books(&over_caseload).unwrap_err().contains("CTI"));
    let over_stock = MonthCounts {
        occupied_units: 3,
        stock_units: 2,
        ..good
    };
    assert!(check_books(&over_stock).is_err());
}
