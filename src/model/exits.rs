//! The month of someone homeless: death, a self-resolved exit by latent type (domain-anchors
//! §7.4C), or moving into an allocated home once the move-in lag has passed.

use super::Outcome;
use super::params::Params;
use crate::population::{HousingState, People};
use crate::rng::{Decision, PersonDraws};

/// Monthly self-resolved exit of a homeless person: type hazard x place modifier x frailty.
pub fn self_exit_probability(people: &People, i: usize, month: i32, params: &Params) -> f64 {
    let place = match people.housing[i] {
        HousingState::Sofa => 0,
        HousingState::Shelter => 1,
        _ => 2,
    };
    let years = (month - people.detail[i].spell_start) as f64 / 12.0;
    // Home-based ties raise exits; a street-heavy network lowers them (§4.5).
    let (home, street) = super::network::tie_counts(people, i);
    let net = &params.network;
    let mut ties = net.home_tie_exit_hr.powi(home.min(5) as i32);
    if super::network::is_street_heavy(home, street) {
        ties *= net.street_heavy_exit_hr;
    }
    // Psychiatric illness and substance use lengthen spells; a study place or a wage shortens
    // them (the pathways of the health and the jobs & education tracks).
    let t = people.core[i].traits;
    if t & (crate::population::traits::PSYCHIATRIC | crate::population::traits::SUBSTANCE) != 0 {
        ties *= params.needs_exit_hr;
    }
    if people.core[i].activity != crate::population::Activity::Neet as u8 {
        ties *= params.active_exit_hr;
    }
    let p = params.self_exit[people.detail[i].latent_type as usize]
        * params.place_modifier[place]
        * params.frailty_per_year.powf(years)
        * ties;
    p.min(0.999)
}

#[inline]
pub fn homeless_month(
    people: &mut People,
    i: usize,
    month: i32,
    params: &Params,
    draws: PersonDraws,
) -> Outcome {
    let id = people.core[i].id;
    if people.housing[i] == HousingState::OfferPending {
        if draws.chance(
            id,
            Decision::HomelessEvent as u32,
            params.mortality_homeless,
        ) {
            return Outcome::Death;
        }
        if month - people.detail[i].state_since >= params.move_in_lag {
            return Outcome::MoveIn;
        }
        return Outcome::Stay;
    }
    let exit = self_exit_probability(people, i, month, params);
    let probs = super::hazard::competing(&[params.mortality_homeless, exit]);
    let u = draws.unit(id, Decision::HomelessEvent as u32);
    if u < probs[0] {
        Outcome::Death
    } else if u < probs[0] + probs[1] {
        Outcome::SelfExit
    } else {
        Outcome::Stay
    }
}
