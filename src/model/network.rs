//! Community ties (domain-anchors §4.5, §7.3 step 4, §7.4B): an explicit network per
//! municipality, laid out as fixed slots per person in flat columns of [`People`] (no pointers,
//! no allocation per tie).
//!
//! A tie is either *external* (family, neighbours, volunteers: housed people outside the 18-29
//! population), a *peer* (another young person of the municipality, by id), or a *street* peer
//! (another young person met while homeless). Sofa stays are hosted by external ties and by peers
//! who are housed, while their willingness lasts; each hosted month wears it down and it recovers
//! while the young person is housed. While homeless, ties decay and new ones form, half of them
//! with street peers; a street-heavy network raises substance-use onset and lowers exits. Home-based
//! ties protect tenancies and raise exits. Community programmes (fællesskabsvært, Helt Hjem's
//! inclusive community) add external ties.
//!
//! Ties are read only for people who are homeless or recently rehoused, so a quiet month never
//! touches them.

use crate::population::{HousingState, People, person_id};
use crate::rng::{Decision, PersonDraws};

// The tie layout (slots, kinds, no-host) and the initial ties belong to the people columns
// (`population::tie`): who a person is when they appear. The network reads and changes them.
pub use crate::population::tie::{
    EMPTY, EXTERNAL, FULL_WILLINGNESS, NO_HOST, PEER, SLOTS, STREET, initial_ties,
};

/// Home-based and street ties of a person.
pub fn tie_counts(people: &People, i: usize) -> (u32, u32) {
    debug_assert!(!people.ties_undrawn(i), "ties read before they were drawn");
    let (mut home, mut street) = (0, 0);
    for &k in &people.ties[i].kind {
        home += (k == EXTERNAL || k == PEER) as u32;
        street += (k == STREET) as u32;
    }
    (home, street)
}

/// A street-heavy network: some street ties, and at least as many as home-based ones.
pub fn is_street_heavy(home: u32, street: u32) -> bool {
    street > 0 && street >= home
}

/// Whether a person's network is street-heavy.
pub fn street_heavy(people: &People, i: usize) -> bool {
    let (home, street) = tie_counts(people, i);
    is_street_heavy(home, street)
}

/// Whether tie slot `s` of row `i` is someone with a home right now.
fn is_housed(people: &People, i: usize, s: usize, base_serial: u32) -> bool {
    let ties = &people.ties[i];
    match ties.kind[s] {
        EXTERNAL => true,
        PEER => people.row_of(base_serial, ties.target[s]).is_some_and(|r| {
            !people.housing[r].is_homeless() && people.housing[r] != HousingState::Gone
        }),
        _ => false,
    }
}

/// The housed tie with the most willingness left (above `min_willingness`), lowest slot on ties.
pub fn find_host(
    people: &People,
    i: usize,
    base_serial: u32,
    min_willingness: u8,
) -> Option<usize> {
    let mut best: Option<(usize, u8)> = None;
    for s in 0..SLOTS {
        let w = people.ties[i].willingness[s];
        if w > min_willingness
            && best.is_none_or(|(_, bw)| w > bw)
            && is_housed(people, i, s, base_serial)
        {
            best = Some((s, w));
        }
    }
    best.map(|(s, _)| s)
}

/// Whether the current host can still host (still housed, tie still there).
pub fn host_still_housed(people: &People, i: usize, base_serial: u32) -> bool {
    let h = people.detail[i].host_slot;
    h != NO_HOST && is_housed(people, i, h as usize, base_serial)
}

/// Parameters of the monthly network update of a homeless person.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drift {
    pub decay: f64,
    pub new_tie: f64,
    pub street_share: f64,
}

/// A homeless person's month: each tie decays with probability `decay`; a new tie forms with
/// probability `new_tie`, with a street peer (another homeless person this month, `homeless_ids`)
/// with probability `street_share`, else with a housed peer (uniform serial in `peers`).
pub fn homeless_drift(
    people: &mut People,
    i: usize,
    draws: PersonDraws,
    d: Drift,
    municipality: u32,
    peers: (u32, u32),
    homeless_ids: &[u32],
) {
    let id = people.core[i].id;
    for s in 0..SLOTS {
        if people.ties[i].kind[s] != EMPTY
            && draws.chance(id, Decision::TieDecay as u32 + 256 * s as u32, d.decay)
        {
            people.ties[i].kind[s] = EMPTY;
            people.ties[i].willingness[s] = 0;
            if people.detail[i].host_slot == s as u8 {
                people.detail[i].host_slot = NO_HOST;
            }
        }
    }
    let u = draws.unit(id, Decision::NewTie as u32);
    if u >= d.new_tie {
        return;
    }
    let Some(s) = people.ties[i].kind.iter().position(|&k| k == EMPTY) else {
        return;
    };
    // Reuse the draw: below new_tie * street_share it is a street peer.
    let ties = &mut people.ties[i];
    let pick = draws.bits(id, Decision::NewTie as u32 + 1);
    if u < d.new_tie * d.street_share {
        if homeless_ids.is_empty() {
            return;
        }
        let target = homeless_ids[(pick % homeless_ids.len() as u64) as usize];
        if target == id {
            return;
        }
        (ties.kind[s], ties.target[s], ties.willingness[s]) = (STREET, target, 0);
    } else if peers.1 > peers.0 {
        let serial = peers.0 + (pick % (peers.1 - peers.0) as u64) as u32;
        let target = person_id(municipality, serial);
        (ties.kind[s], ties.target[s], ties.willingness[s]) = (PEER, target, FULL_WILLINGNESS);
    }
}

/// Adds an external tie (a community programme's), if a slot is free.
pub fn add_external_tie(people: &mut People, i: usize) -> bool {
    let ties = &mut people.ties[i];
    match ties.kind.iter().position(|&k| k == EMPTY) {
        Some(s) => {
            (ties.kind[s], ties.willingness[s]) = (EXTERNAL, FULL_WILLINGNESS);
            true
        }
        None => false,
    }
}

/// Willingness recovers while the young person has a home: `per_month` points a month.
pub fn recover(people: &mut People, i: usize, months: i32, per_month: u8) {
    let gain = (months.max(0) as u32 * per_month as u32).min(FULL_WILLINGNESS as u32) as u8;
    let ties = &mut people.ties[i];
    for (&k, w) in ties.kind.iter().zip(&mut ties.willingness) {
        if k == EXTERNAL || k == PEER {
            *w = w.saturating_add(gain).min(FULL_WILLINGNESS);
        }
    }
}
