//! Entry at 18, exit at 30, and dropping the rows of those who left.

use rand_distr::{Distribution, Poisson};

use super::{Levers, MunicipalityState};
use crate::calendar::Month;
use crate::population::{AGE_ENTRY_MONTHS, HousingState, person_id};
use crate::rng::{Decision, MunicipalMonth, ReplicateKey};

/// Appends this month's 18-year-olds. Their number is Poisson around the municipality's
/// stationary cohort size and is keyed by municipality and month only (common random numbers).
pub fn enter_18_year_olds(
    m: &mut MunicipalityState,
    key: ReplicateKey,
    streams: MunicipalMonth,
    month: Month,
    levers: &Levers,
) -> u64 {
    if m.entrants_mean <= 0.0 {
        return 0;
    }
    // The law is made each municipality-month (an `exp`, about 80 instructions): a table of
    // them in the setup (288 months × 98 municipalities × 88 bytes, 2.5 MB) would be held by
    // every variant of a batch.
    let n = Poisson::new(m.entrants_mean)
        .expect("positive mean")
        .sample(&mut streams.rng(Decision::Entrants as u32)) as u32;
    if n == 0 {
        // Most municipality-months at small scales.
        return 0;
    }
    // Made here, not by the caller: it copies the two Poisson laws of ties (a 29-instruction
    // `memcpy`), which a month with no entrants does not need.
    let newcomers = levers.newcomers();
    let birth = month.offset(-AGE_ENTRY_MONTHS);
    m.people.reserve(n as usize);
    for _ in 0..n {
        let id = person_id(m.index, m.next_serial);
        m.next_serial += 1;
        let peers = (m.base_serial, m.next_serial);
        m.people.push_new(key, id, birth, &newcomers, peers);
    }
    n as u64
}

/// Drops the rows of people who left, once they are a large enough prefix. Rows are in birth
/// order, so those who aged out are always at the front; the dead wait there until their cohort
/// ages out.
pub fn drop_departed(m: &mut MunicipalityState) {
    while m.first_live < m.people.len() && m.people.housing[m.first_live] == HousingState::Gone {
        m.first_live += 1;
    }
    if m.first_live > 0 && m.first_live * 8 >= m.people.len() {
        m.people.drop_prefix(m.first_live);
        m.base_serial += m.first_live as u32;
        m.first_live = 0;
    }
}
