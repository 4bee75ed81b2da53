//! Risk onset and entry into homelessness for people who have a home or are in an institution
//! (domain-anchors §7.4A): one 32-bit draw a month against a prepared table of competing events.
//! A person in a quiet month costs one table lookup, one hash and one compare.

use super::params::{Params, at_risk_event, housed_event};
use super::{Outcome, Route};
use crate::population::{
    AGE_ENTRY_MONTHS, HousingState, INSTITUTION_PRISON, INSTITUTION_PSYCHIATRIC, NEVER, People,
    traits,
};
use crate::rng::{Decision, PersonDraws};

/// Return band of a person: 0 never homeless or past the window, 1-3 by months since the exit.
#[inline(always)]
fn return_band(last_exit: i32, month: i32, window: i32) -> usize {
    if last_exit == NEVER {
        return 0;
    }
    let since = month - last_exit;
    if since >= window {
        0
    } else if since < 6 {
        1
    } else if since < 12 {
        2
    } else {
        3
    }
}

/// Care window: 1 in the first year after leaving care at 18 (no aftercare), 2 in the first year
/// after aftercare ends at 23.
#[inline(always)]
fn care_window(t: u8, age: i32) -> usize {
    if t & traits::CARE == 0 {
        0
    } else if t & traits::AFTERCARE == 0 {
        (age < AGE_ENTRY_MONTHS + 12) as usize
    } else if (23 * 12..24 * 12).contains(&age) {
        2
    } else {
        0
    }
}

/// The competing events of someone housed with these traits, activity, exit and age.
#[inline(always)]
pub fn housed_table(
    t: u8,
    activity: u8,
    last_exit: i32,
    age: i32,
    month: i32,
    params: &Params,
) -> &[u32; housed_event::COUNT] {
    &params.housed[housed_table_index(t, activity, last_exit, age, month, params.return_window)]
}

/// The index of that table in [`Params::housed`].
#[inline(always)]
pub fn housed_table_index(
    t: u8,
    activity: u8,
    last_exit: i32,
    age: i32,
    month: i32,
    return_window: i32,
) -> usize {
    Params::housed_index(
        t,
        activity,
        return_band(last_exit, month, return_window),
        care_window(t, age),
    )
}

/// The month of someone housed.
#[inline(always)]
pub fn housed_month(
    people: &mut People,
    i: usize,
    age: i32,
    month: i32,
    params: &Params,
    u: u32,
) -> Outcome {
    let table = housed_table(
        people.core[i].traits,
        people.core[i].activity,
        people.core[i].last_exit,
        age,
        month,
        params,
    );
    if u >= table[housed_event::COUNT - 1] {
        return Outcome::Stay;
    }
    match table.iter().position(|&x| u < x) {
        Some(housed_event::DEATH) => Outcome::Death,
        Some(housed_event::ENTRY_DIRECT) => Outcome::Homeless(Route::Direct),
        Some(housed_event::ENTRY_CARE_EXIT) => Outcome::Homeless(Route::CareExit),
        Some(housed_event::ENTRY_RETURN) => Outcome::Homeless(Route::Return),
        Some(housed_event::AT_RISK) => {
            people.housing[i] = HousingState::AtRisk;
            people.detail[i].state_since = month;
            Outcome::Stay
        }
        Some(housed_event::PSYCHIATRIC_ADMISSION) => {
            admit(people, i, month, INSTITUTION_PSYCHIATRIC);
            Outcome::Stay
        }
        _ => {
            admit(people, i, month, INSTITUTION_PRISON);
            Outcome::Stay
        }
    }
}

fn admit(people: &mut People, i: usize, month: i32, kind: u8) {
    people.housing[i] = HousingState::Institution;
    people.detail[i].state_detail = kind;
    people.detail[i].state_since = month;
}

/// The month of someone at risk: resolved, entry, or still at risk.
#[inline]
pub fn at_risk_month(
    people: &mut People,
    i: usize,
    month: i32,
    params: &Params,
    u: u32,
) -> Outcome {
    match super::hazard::pick(&params.at_risk, u) {
        Some(at_risk_event::DEATH) => Outcome::Death,
        Some(at_risk_event::ENTRY) => Outcome::Homeless(Route::AtRisk),
        Some(_) => {
            people.housing[i] = HousingState::Housed;
            people.detail[i].state_since = month;
            Outcome::Stay
        }
        None => Outcome::Stay,
    }
}

/// The month of someone in a psychiatric ward or prison: death, discharge (home, or straight into
/// homelessness), or stay.
#[inline]
pub fn institution_month(
    people: &mut People,
    i: usize,
    month: i32,
    params: &Params,
    draws: PersonDraws,
) -> Outcome {
    let id = people.core[i].id;
    let kind = if people.detail[i].state_detail == INSTITUTION_PRISON {
        1
    } else {
        0
    };
    let probs = super::hazard::competing(&[params.mortality, params.discharge[kind]]);
    let u = draws.unit(id, Decision::InstitutionEvent as u32);
    if u < probs[0] {
        return Outcome::Death;
    }
    if u < probs[0] + probs[1] {
        if draws.chance(
            id,
            Decision::Discharge as u32,
            params.discharge_homeless[kind],
        ) {
            return Outcome::Homeless(Route::Discharge);
        }
        people.housing[i] = HousingState::Housed;
        people.detail[i].state_since = month;
    }
    Outcome::Stay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_bands_follow_months_since_exit() {
        assert_eq!(return_band(NEVER, 100, 36), 0);
        assert_eq!(return_band(100, 100, 36), 1);
        assert_eq!(return_band(100, 105, 36), 1);
        assert_eq!(return_band(100, 106, 36), 2);
        assert_eq!(return_band(100, 112, 36), 3);
        assert_eq!(return_band(100, 136, 36), 0);
    }

    #[test]
    fn care_windows_follow_age_and_aftercare() {
        let care = traits::CARE;
        let after = traits::CARE | traits::AFTERCARE;
        assert_eq!(care_window(0, 216), 0);
        assert_eq!(care_window(care, 216), 1);
        assert_eq!(care_window(care, 227), 1);
        assert_eq!(care_window(care, 228), 0);
        assert_eq!(care_window(after, 216), 0);
        assert_eq!(care_window(after, 276), 2);
        assert_eq!(care_window(after, 288), 0);
    }
}
