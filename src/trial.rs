//! The virtual CTI trial (issue: "checks the CTI mechanism against the randomised trials").
//!
//! A cohort of young people with a psychiatric illness who have just moved into a home is
//! randomised to CTI or usual services (a keyed draw per person) and followed month by month.
//! Homes are lost with the model's own hazard (`support::loss_probability`: CTI's hazard ratio for
//! nine months, then the fading post-CTI protection; usual services the unsupported loss); the
//! homeless leave homelessness with the model's self-resolved exit for their latent type
//! (`exits::self_exit_probability`, as shelter users) plus municipal rehousing. Analysis is by
//! intention to treat: CTI's timeline runs from randomisation, housed or not. Deaths are ignored
//! over the 18 months (0.07 % a month while homeless).

use crate::calendar::Month;
use crate::model::{Params, exits, support};
use crate::population::{HousingState, NEVER, People, traits};
use crate::rng::{Decision, ReplicateKey};
use crate::scenario::{PopulationParams, TrialParams};
use crate::stats::{Summary, summarize};

/// Outcome of one arm.
#[derive(Clone, Debug, PartialEq)]
pub struct ArmResult {
    pub arm: &'static str,
    pub homeless_nights: Summary,
}

/// Runs the trial; arms in the order `cti`, `usual`.
pub fn run_trial(
    params: &Params,
    population: &PopulationParams,
    trial: &TrialParams,
    seed: u64,
) -> Vec<ArmResult> {
    let key = ReplicateKey::new(seed, 0);
    // Everyone has a psychiatric illness; other traits are drawn as in the population.
    let cohort_population = PopulationParams {
        psychiatric_share: 1.0,
        ..population.clone()
    };
    let newcomers = crate::population::Newcomers::new(&cohort_population);
    let mut people = People::default();
    for k in 0..trial.cohort {
        people.push_new(key, k, Month(-25 * 12), &newcomers, (0, trial.cohort));
        people.draw_ties(k as usize, key, &newcomers);
    }
    let first = key.month(0);
    let in_cti: Vec<bool> = (0..people.len())
        .map(|i| first.chance(people.core[i].id, Decision::TrialArm as u32, 0.5))
        .collect();
    let cti_months = 3 * params.support.cti_phase_months;
    let mut homeless_months = vec![0u32; people.len()];
    for (i, &cti) in in_cti.iter().enumerate() {
        debug_assert!(people.core[i].traits & traits::PSYCHIATRIC != 0);
        people.core[i].last_exit = 0;
        people.detail[i].spell_start = NEVER;
        people.core[i].tenancy = 1;
        set_housed(&mut people, i, cti, 0, cti_months);
    }
    for month in 0..trial.months as i32 {
        let draws = key.month(month);
        for i in 0..people.len() {
            let id = people.core[i].id;
            if people.housing[i] == HousingState::Shelter {
                homeless_months[i] += 1;
                let exit = exits::self_exit_probability(&people, i, month, params);
                let rehoused = 1.0 - (1.0 - exit) * (1.0 - trial.rehousing_monthly);
                if first_of(draws.unit(id, Decision::HomelessEvent as u32), rehoused) {
                    people.core[i].last_exit = month;
                    set_housed(&mut people, i, in_cti[i], month, cti_months);
                }
            } else {
                // CTI's course follows the calendar of the trial, not the tenancy.
                set_housed(&mut people, i, in_cti[i], month, cti_months);
                let loss = support::loss_probability(&people, i, month, params);
                if first_of(draws.unit(id, Decision::SupportEvent as u32), loss) {
                    people.housing[i] = HousingState::Shelter;
                    people.detail[i].spell_start = month;
                }
            }
        }
    }
    ["cti", "usual"]
        .into_iter()
        .map(|arm| {
            let nights: Vec<f64> = (0..people.len())
                .filter(|&i| in_cti[i] == (arm == "cti"))
                .map(|i| homeless_months[i] as f64 * trial.nights_per_month)
                .collect();
            ArmResult {
                arm,
                homeless_nights: summarize(&nights),
            }
        })
        .collect()
}

fn first_of(u: f64, p: f64) -> bool {
    u < p
}

/// Puts a housed cohort member in the support state their arm implies at `month`.
fn set_housed(people: &mut People, i: usize, cti: bool, month: i32, cti_months: i32) {
    if !cti {
        people.housing[i] = HousingState::Housed;
        people.detail[i].support = support::NONE;
    } else if month < cti_months {
        people.housing[i] = HousingState::HousedSupported;
        people.detail[i].support = support::CTI;
        people.detail[i].support_since = 0;
    } else {
        people.housing[i] = HousingState::AfterSupport;
        people.detail[i].support = support::CTI;
        people.detail[i].support_since = cti_months;
    }
}
