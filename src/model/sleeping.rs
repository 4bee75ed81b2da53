//! Where the homeless sleep (domain-anchors §7.3 step 6 and §7.4B): on a sofa while a housed tie
//! will host and that willingness lasts, else in a shelter bed if one is free and accepted, else
//! on the street. Two passes, read then write: first everyone whose place ends leaves it (which
//! frees beds), then those without a place look for one, in row order.
//!
//! The host stock is a simple per-person count (`sofa_hosts`); the network model replaces it
//! in a later issue.

use super::params::Params;
use crate::population::{HousingState, People};
use crate::rng::{Decision, PersonDraws};

/// Sofa willingness of a new host, in percent.
const FRESH_WILLINGNESS: u8 = 100;

/// Updates the sleeping place of every homeless row still homeless this month.
/// `needs` is scratch space. Returns the shelter beds in use afterwards.
pub fn place_homeless(
    people: &mut People,
    rows: &[u32],
    month: i32,
    params: &Params,
    draws: PersonDraws,
    beds: u32,
    needs: &mut Vec<(u32, bool)>,
) -> u32 {
    needs.clear();
    let mut occupied = 0u32;
    // Pass 1: places that end this month, and tie decay.
    for &row in rows {
        let i = row as usize;
        let state = people.housing[i];
        if !matches!(
            state,
            HousingState::Sofa | HousingState::Shelter | HousingState::Street
        ) {
            continue;
        }
        let id = people.id[i];
        let hosts = people.sofa_hosts[i];
        if hosts > 0 {
            let lose = 1.0 - (1.0 - params.tie_decay).powi(hosts as i32);
            if draws.chance(id, Decision::TieDecay as u32, lose) {
                people.sofa_hosts[i] = hosts - 1;
            }
        }
        match state {
            HousingState::Sofa => {
                let willingness = people.host_willingness[i];
                let ends = willingness <= params.willingness_loss
                    || draws.chance(id, Decision::PlaceEnds as u32, params.host_episode_end);
                if ends {
                    // That host will not host again (conflict, burden: §4.5).
                    people.sofa_hosts[i] = people.sofa_hosts[i].saturating_sub(1);
                    needs.push((row, true));
                } else {
                    people.host_willingness[i] = willingness - params.willingness_loss;
                }
            }
            HousingState::Shelter => {
                if draws.chance(id, Decision::PlaceEnds as u32, params.shelter_stay_exit) {
                    // Just left the shelter: not back in the same month.
                    needs.push((row, false));
                } else {
                    occupied += 1;
                }
            }
            _ => needs.push((row, true)),
        }
    }
    // Pass 2: find a place, in row order.
    for &(row, shelter_ok) in needs.iter() {
        let i = row as usize;
        let id = people.id[i];
        let new_state = if people.sofa_hosts[i] > 0 {
            people.host_willingness[i] = FRESH_WILLINGNESS;
            HousingState::Sofa
        } else if shelter_ok
            && occupied < beds
            && draws.chance(
                id,
                Decision::ShelterAcceptance as u32,
                params.shelter_acceptance,
            )
        {
            occupied += 1;
            HousingState::Shelter
        } else {
            HousingState::Street
        };
        if new_state != people.housing[i] {
            people.housing[i] = new_state;
            people.state_since[i] = month;
        }
    }
    occupied
}
