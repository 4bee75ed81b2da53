//! Housing support after rehousing (domain-anchors §2, §3, §7.4E): CTI in three phases with a
//! caseload ceiling, ICM and ACT open-ended for complex needs, assigned by need as in Danish
//! practice; each lowers the monthly risk of losing the home. Support starts only once the person
//! has a home and only when a worker has room; otherwise the person waits (a counted state) until
//! a slot frees or the wait lapses.

use super::params::Params;
use super::{Outcome, Route};
use crate::metrics::MonthCounts;
use crate::population::{HousingState, People, traits};
use crate::rng::{Decision, PersonDraws};
use crate::scenario::SupportOffer;

/// Support methods, as stored in [`People::support`].
pub const NONE: u8 = 0;
pub const CTI: u8 = 1;
pub const ICM: u8 = 2;
pub const ACT: u8 = 3;
/// Set while waiting for a slot of the method in the low bits.
pub const WAITING: u8 = 0x80;

/// How a last exit from homelessness came about ([`People::rehoused_with`]): on their own, or
/// rehoused by the municipality with the method they needed (waiting for it included).
pub const REHOUSED_SELF: u8 = 0;
/// The `rehoused_with` value (named in `metrics::REHOUSED_KINDS`) of a municipal rehousing with support `method`.
pub fn rehoused_by(method: u8) -> u8 {
    1 + (method & !WAITING)
}

/// Which method a person rehoused through the municipality needs: ACT for psychiatric illness with
/// substance use; ICM for one of them with a long or recurring homelessness history; CTI for
/// moderate needs (one of them, or a care history); under Housing First, CTI for everyone else.
pub fn need(t: u8, latent_type: u8, months_homeless: u16, offer: SupportOffer) -> u8 {
    if offer == SupportOffer::None {
        return NONE;
    }
    let psychiatric = t & traits::PSYCHIATRIC != 0;
    let substance = t & traits::SUBSTANCE != 0;
    if psychiatric && substance {
        ACT
    } else if (psychiatric || substance) && (latent_type > 0 || months_homeless >= 12) {
        ICM
    } else if psychiatric || substance || t & traits::CARE != 0 || offer == SupportOffer::All {
        CTI
    } else {
        NONE
    }
}

/// CTI phase (1-3) in month `t` of the course, or `None` once the course is over.
pub fn cti_phase(t: i32, phase_months: i32) -> Option<u8> {
    if t < 0 {
        return Some(1);
    }
    let phase = t / phase_months + 1;
    (phase <= 3).then_some(phase as u8)
}

/// Hazard ratio on home loss `t` months after CTI ended: `post_hr`, fading back to 1 with a
/// half-life.
pub fn post_cti_hr(t: i32, post_hr: f64, half_life: f64) -> f64 {
    1.0 - (1.0 - post_hr) * 0.5f64.powf(t.max(0) as f64 / half_life)
}

/// Monthly probability of losing the home for someone in an allocated home or with support.
pub fn loss_probability(people: &People, i: usize, month: i32, params: &Params) -> f64 {
    let r = &params.support;
    // Support delivered at low fidelity does not change the risk (rollout fidelity).
    let low_fidelity = people.core[i].programmes & crate::population::PROGRAMME_LOW_FIDELITY != 0;
    let p = match (people.housing[i], people.detail[i].support) {
        (HousingState::HousedSupported | HousingState::AfterSupport, _) if low_fidelity => {
            r.unsupported_loss
        }
        (HousingState::HousedSupported, CTI) => r.unsupported_loss * r.cti_hr,
        (HousingState::HousedSupported, _) => {
            let year = ((month - people.detail[i].support_since) / 12).clamp(0, 2) as usize;
            r.hf_loss[year] * r.youth_multiplier
        }
        (HousingState::AfterSupport, _) => {
            let t = month - people.detail[i].support_since;
            r.unsupported_loss * post_cti_hr(t, r.post_hr, r.half_life)
        }
        _ => r.unsupported_loss,
    };
    // Home-based ties and the community programme protect the tenancy (§7.4E).
    let net = &params.network;
    let (home, _) = super::network::tie_counts(people, i);
    let mut hr = net.home_tie_loss_hr.powi(home.min(5) as i32);
    if people.core[i].programmes & crate::population::PROGRAMME_COMMUNITY != 0 {
        hr *= net.community_loss_hr;
    }
    // Education or a job protects the tenancy (§7.4F).
    if people.core[i].activity != crate::population::Activity::Neet as u8 {
        hr *= params.active_loss_hr;
    }
    (p * hr).min(0.999)
}

/// Starts support of `method` now.
pub fn start(
    people: &mut People,
    i: usize,
    method: u8,
    month: i32,
    caseload: &mut [u32; 3],
    c: &mut MonthCounts,
) {
    caseload[method as usize - 1] += 1;
    people.detail[i].support = method;
    people.detail[i].support_since = month;
    people.housing[i] = HousingState::HousedSupported;
    people.detail[i].state_since = month;
    c.support_starts += 1;
}

/// Ends the current support of someone in `HousedSupported` (home lost, death, ageing out).
pub fn end(people: &mut People, i: usize, caseload: &mut [u32; 3], c: &mut MonthCounts) {
    if people.housing[i] == HousingState::HousedSupported {
        let method = people.detail[i].support & !WAITING;
        if method != NONE {
            caseload[method as usize - 1] -= 1;
            c.support_ends += 1;
        }
    }
    people.detail[i].support = NONE;
}

/// The month of someone housed with support, after CTI, or in an allocated home without support
/// during the return window: CTI progression and step-up, then death or loss of the home.
#[allow(clippy::too_many_arguments)]
pub fn supported_month(
    people: &mut People,
    i: usize,
    month: i32,
    params: &Params,
    draws: PersonDraws,
    caseload: &mut [u32; 3],
    capacity: &[u32; 3],
    c: &mut MonthCounts,
) -> Outcome {
    let r = &params.support;
    let id = people.core[i].id;
    if people.housing[i] == HousingState::HousedSupported && people.detail[i].support == CTI {
        let t = month - people.detail[i].support_since;
        if cti_phase(t, r.cti_phase_months).is_none() {
            // The course is over: hand over, or step up to ICM if unstable and a slot is free.
            caseload[0] -= 1;
            c.support_ends += 1;
            c.cti_completions += 1;
            let step_up = draws.chance(id, Decision::StepUp as u32, r.step_up_share);
            if step_up && caseload[1] < capacity[1] {
                start(people, i, ICM, month, caseload, c);
                c.step_ups += 1;
            } else {
                people.housing[i] = HousingState::AfterSupport;
                people.detail[i].state_since = month;
                people.detail[i].support_since = month;
            }
        }
    }
    if people.housing[i] == HousingState::AfterSupport
        && month - people.core[i].last_exit >= params.return_window
    {
        people.housing[i] = HousingState::Housed;
        people.detail[i].state_since = month;
        people.detail[i].support = NONE;
        return Outcome::Stay;
    }
    if people.core[i].programmes & crate::population::PROGRAMME_COMMUNITY != 0
        && draws.chance(
            id,
            Decision::CommunityTie as u32,
            params.network.community_tie,
        )
        && super::network::add_external_tie(people, i)
    {
        c.community_ties += 1;
    }
    let loss = loss_probability(people, i, month, params);
    let probs = super::hazard::competing(&[params.mortality, loss]);
    let u = draws.unit(id, Decision::SupportEvent as u32);
    if u < probs[0] {
        Outcome::Death
    } else if u < probs[0] + probs[1] {
        Outcome::Homeless(Route::Return)
    } else {
        Outcome::Stay
    }
}

/// Counts a client's CTI phase or method at the end of their month.
pub fn count_client(people: &People, i: usize, month: i32, params: &Params, c: &mut MonthCounts) {
    if people.housing[i] != HousingState::HousedSupported {
        return;
    }
    c.support_refund_clients +=
        (month - people.detail[i].support_since < params.refunds.support_limit_months) as u64;
    match people.detail[i].support {
        CTI => match cti_phase(
            month - people.detail[i].support_since,
            params.support.cti_phase_months,
        ) {
            Some(1) => c.cti_phase_1 += 1,
            Some(2) => c.cti_phase_2 += 1,
            Some(_) => c.cti_phase_3 += 1,
            // A course past its nine months that was not ended: the books will not balance.
            None => c.cti_overdue += 1,
        },
        ICM => c.icm_clients += 1,
        ACT => c.act_clients += 1,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cti_runs_three_phases_of_three_months() {
        let phases: Vec<Option<u8>> = (0..10).map(|t| cti_phase(t, 3)).collect();
        assert_eq!(
            phases,
            vec![
                Some(1),
                Some(1),
                Some(1),
                Some(2),
                Some(2),
                Some(2),
                Some(3),
                Some(3),
                Some(3),
                None
            ]
        );
        assert_eq!(cti_phase(4, 2), Some(3));
        assert_eq!(cti_phase(6, 2), None);
    }

    #[test]
    fn post_cti_protection_fades_with_its_half_life() {
        assert!((post_cti_hr(0, 0.5, 12.0) - 0.5).abs() < 1e-12);
        assert!((post_cti_hr(12, 0.5, 12.0) - 0.75).abs() < 1e-12);
        assert!((post_cti_hr(24, 0.5, 12.0) - 0.875).abs() < 1e-12);
        assert!(post_cti_hr(600, 0.5, 12.0) > 0.999);
    }

    #[test]
    fn methods_follow_needs() {
        let p = traits::PSYCHIATRIC;
        let s = traits::SUBSTANCE;
        let with = SupportOffer::WithNeeds;
        assert_eq!(need(p | s, 0, 0, with), ACT);
        assert_eq!(need(p, 2, 0, with), ICM);
        assert_eq!(need(p, 0, 12, with), ICM);
        assert_eq!(need(p, 0, 3, with), CTI);
        assert_eq!(need(traits::CARE, 0, 0, with), CTI);
        assert_eq!(need(0, 0, 0, with), NONE);
        assert_eq!(need(0, 0, 0, SupportOffer::All), CTI);
        assert_eq!(need(p | s, 0, 0, SupportOffer::None), NONE);
    }
}
