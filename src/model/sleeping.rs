//! Where the homeless sleep (domain-anchors §7.3 step 6 and §7.4B): on a sofa while a housed tie
//! will host and that willingness lasts, else in a shelter bed if one is free and accepted, else
//! on the street. Two passes, read then write: first the network drifts and everyone whose place
//! ends leaves it (which frees beds), then those without a place look for one, in row order.
//! Whether a tie has a home is settled before this phase (nobody gains or loses a home here), so
//! the order in which people look does not change who can host.

use super::network::{self, NO_HOST};
use super::params::Params;
use crate::population::{HousingState, People};
use crate::rng::{Decision, PersonDraws};

/// The municipality's side of the network, for this month.
#[derive(Clone, Copy, Debug)]
pub struct NetworkContext<'a> {
    pub municipality: u32,
    /// Serial of row 0.
    pub base_serial: u32,
    /// Serial numbers of people present or past: new peers are drawn from this range.
    pub peers: (u32, u32),
    /// Ids of everyone homeless this month (candidates for street ties).
    pub homeless_ids: &'a [u32],
}

/// Updates the sleeping place of every homeless row still homeless this month.
/// `needs` is scratch space. Returns the shelter beds in use afterwards.
#[allow(clippy::too_many_arguments)]
pub fn place_homeless(
    people: &mut People,
    rows: &[u32],
    month: i32,
    params: &Params,
    draws: PersonDraws,
    beds: u32,
    net: NetworkContext,
    needs: &mut Vec<(u32, bool)>,
) -> u32 {
    needs.clear();
    let mut occupied = 0u32;
    let loss = params.network.willingness_loss;
    // Pass 1: the network drifts; places that end this month.
    for &row in rows {
        let i = row as usize;
        let state = people.housing[i];
        if !matches!(
            state,
            HousingState::Sofa | HousingState::Shelter | HousingState::Street
        ) {
            continue;
        }
        network::homeless_drift(
            people,
            i,
            draws,
            params.network.drift,
            net.municipality,
            net.peers,
            net.homeless_ids,
        );
        let id = people.core[i].id;
        match state {
            HousingState::Sofa => {
                if !network::host_still_housed(people, i, net.base_serial) {
                    people.detail[i].host_slot = NO_HOST;
                    needs.push((row, true));
                    continue;
                }
                let h = people.detail[i].host_slot as usize;
                let willingness = people.ties[i].willingness[h];
                let ends = willingness <= loss
                    || draws.chance(id, Decision::PlaceEnds as u32, params.host_episode_end);
                if ends {
                    // Conflict or burden: this host will not host again until willingness
                    // recovers (§4.5).
                    people.ties[i].willingness[h] = 0;
                    people.detail[i].host_slot = NO_HOST;
                    needs.push((row, true));
                } else {
                    people.ties[i].willingness[h] = willingness - loss;
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
        let id = people.core[i].id;
        let new_state = if let Some(s) = network::find_host(people, i, net.base_serial, loss) {
            people.detail[i].host_slot = s as u8;
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
            people.detail[i].state_since = month;
        }
    }
    occupied
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Month;
    use crate::model::network::{EXTERNAL, FULL_WILLINGNESS, PEER};
    use crate::population::person_id;
    use crate::rng::ReplicateKey;

    fn params() -> Params {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let mut p = {
            let s = crate::scenario::load(&path, &[]).unwrap().scenario;
            Params::new(&s, crate::model::RunSpec::of(&s).scale)
        };
        // Only the mechanism under test: no chance endings, no drift.
        p.host_episode_end = 0.0;
        p.shelter_stay_exit = 0.0;
        p.shelter_acceptance = 1.0;
        p.network.drift.decay = 0.0;
        p.network.drift.new_tie = 0.0;
        p
    }

    /// `n` people without ties, all on the street.
    fn street_people(n: u32) -> People {
        let pop = crate::population::bare_params();
        let mut people = People::default();
        for k in 0..n {
            people.push_new(
                ReplicateKey::new(1, 0),
                person_id(0, k),
                Month(0),
                &crate::population::Newcomers::new(&pop),
                (0, n),
            );
            people.housing[k as usize] = HousingState::Street;
        }
        people
    }

    fn month(people: &mut People, rows: &[u32], m: i32, params: &Params, beds: u32) -> u32 {
        let net = NetworkContext {
            municipality: 0,
            base_serial: 0,
            peers: (0, people.len() as u32),
            homeless_ids: &[],
        };
        place_homeless(
            people,
            rows,
            m,
            params,
            ReplicateKey::new(1, 0).month(m),
            beds,
            net,
            &mut Vec::new(),
        )
    }

    #[test]
    fn a_hosts_willingness_wears_out() {
        let mut params = params();
        // 15 points a month (the calibrated value is elsewhere; the arithmetic below needs 15).
        params.network.willingness_loss = 15;
        let mut people = street_people(1);
        people.ties[0].kind[0] = EXTERNAL;
        people.ties[0].willingness[0] = FULL_WILLINGNESS;
        let mut months_on_sofa = 0;
        for m in 0..12 {
            month(&mut people, &[0], m, &params, 0);
            if people.housing[0] == HousingState::Sofa {
                months_on_sofa += 1;
            }
        }
        // 100 -> 85 -> ... -> 10: hosted while more than 15 points are left, i.e. 7 months,
        // then the host is exhausted and the young person is on the street (no beds).
        assert_eq!(months_on_sofa, 7);
        assert_eq!(people.housing[0], HousingState::Street);
        assert_eq!(people.ties[0].willingness[0], 0);
        // Willingness comes back while housed.
        network::recover(&mut people, 0, 20, 5);
        assert_eq!(people.ties[0].willingness[0], FULL_WILLINGNESS);
    }

    #[test]
    fn only_a_housed_peer_can_host() {
        let params = params();
        let mut people = street_people(2);
        people.ties[0].kind[0] = PEER;
        people.ties[0].target[0] = people.core[1].id;
        people.ties[0].willingness[0] = FULL_WILLINGNESS;
        // Person 1 is homeless too: no sofa.
        month(&mut people, &[0, 1], 0, &params, 0);
        assert_eq!(people.housing[0], HousingState::Street);
        // Once person 1 has a home, person 0 can stay there.
        people.housing[1] = HousingState::Housed;
        month(&mut people, &[0], 1, &params, 0);
        assert_eq!(people.housing[0], HousingState::Sofa);
        assert_eq!(people.detail[0].host_slot, 0);
        // And the stay ends when the host loses their home.
        people.housing[1] = HousingState::Street;
        month(&mut people, &[0, 1], 2, &params, 0);
        assert_eq!(people.housing[0], HousingState::Street);
    }

    #[test]
    fn shelter_beds_are_never_exceeded() {
        let params = params();
        let mut people = street_people(50);
        let rows: Vec<u32> = (0..50).collect();
        for (m, beds) in [(0, 10), (1, 10), (2, 25)] {
            let used = month(&mut people, &rows, m, &params, beds);
            let in_shelter = people
                .housing
                .iter()
                .filter(|&&h| h == HousingState::Shelter)
                .count() as u32;
            assert_eq!(used, in_shelter);
            assert_eq!(in_shelter, beds, "month {m}");
        }
    }
}
