//! Parameters prepared once per run from the scenario: probabilities become 32-bit thresholds in
//! small lookup tables, so that the monthly step compares integers instead of computing hazards.

use super::hazard::{
    apply_hr, combine_hrs, cumulative_thresholds, monthly_from_cumulative,
    monthly_from_mean_duration,
};
use crate::calendar::Month;
use crate::population::{Activity, traits};
use crate::scenario::{Eligibility, Scenario};

/// Events of a housed person, in the order of their threshold table.
pub mod housed_event {
    pub const DEATH: usize = 0;
    pub const ENTRY_DIRECT: usize = 1;
    pub const ENTRY_CARE_EXIT: usize = 2;
    pub const ENTRY_RETURN: usize = 3;
    pub const AT_RISK: usize = 4;
    pub const PSYCHIATRIC_ADMISSION: usize = 5;
    pub const PRISON_ADMISSION: usize = 6;
    pub const COUNT: usize = 7;
}

/// Events of a person at risk.
pub mod at_risk_event {
    pub const DEATH: usize = 0;
    pub const ENTRY: usize = 1;
    pub const RESOLVED: usize = 2;
    pub const COUNT: usize = 3;
}

/// Return bands: 0 = never homeless or past the window; 1 = months 1-6; 2 = 7-12; 3 = later.
pub const RETURN_BANDS: usize = 4;
/// Care windows: 0 = none; 1 = first year after leaving care at 18; 2 = first year after
/// aftercare ends at 23.
pub const CARE_WINDOWS: usize = 3;
const COMBOS: usize = traits::COMBINATIONS * 3;

/// Prepared rules of one housing segment.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentRule {
    pub name: String,
    /// Monthly probability that a unit falls vacant.
    pub monthly_turnover: f64,
    /// Share of vacancies that become allocation slots for homeless young people.
    pub youth_slot_share: f64,
    pub rent: u32,
    pub eligibility: Eligibility,
}

/// Prepared network rules (see `network`).
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkRules {
    /// Willingness lost per hosted month, in percent points.
    pub willingness_loss: u8,
    /// Willingness regained per month housed, in percent points.
    pub willingness_recovery: u8,
    pub drift: super::network::Drift,
    pub home_tie_exit_hr: f64,
    pub street_heavy_exit_hr: f64,
    pub home_tie_loss_hr: f64,
    /// Monthly probability of a new tie from the community programme.
    pub community_tie: f64,
    pub community_loss_hr: f64,
}

/// Prepared support rules (see `support`).
#[derive(Clone, Debug, PartialEq)]
pub struct SupportRules {
    pub offer_to: crate::scenario::SupportOffer,
    pub unsupported_loss: f64,
    pub cti_phase_months: i32,
    pub cti_hr: f64,
    pub post_hr: f64,
    pub half_life: f64,
    pub hf_loss: [f64; 3],
    pub youth_multiplier: f64,
    pub step_up_share: f64,
    pub max_wait: i32,
}

/// Who moves between municipalities, monthly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MovementRules {
    pub enabled: bool,
    pub housed: f64,
    /// Oldest age in months (the last month of the stated year).
    pub housed_max_age: i32,
    pub homeless: f64,
}

/// Refund rules in integer form, so that who pays what is exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundRules {
    /// Share of a shelter stay's cost refunded, per mille.
    pub shelter_permille: u64,
    /// Days of a stay refunded (30 nights a month); 0 = no limit.
    pub shelter_limit_days: i32,
    pub support_permille: u64,
    pub support_limit_months: i32,
}

impl RefundRules {
    /// Refunded nights in the month of a stay that began `months` months ago (0 = this month).
    #[inline]
    pub fn shelter_nights(&self, months: i32) -> u64 {
        if self.shelter_limit_days == 0 {
            30
        } else {
            (self.shelter_limit_days - 30 * months.max(0)).clamp(0, 30) as u64
        }
    }
}

/// Everything the monthly step needs, derived from one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// First simulated month (start of burn-in).
    pub first_month: Month,
    /// First reported month.
    pub report_start: Month,
    /// Last month.
    pub end: Month,
    pub scale: f64,
    /// Threshold tables for housed people, indexed by [`Params::housed_index`].
    pub housed: Vec<[u32; housed_event::COUNT]>,
    pub at_risk: [u32; at_risk_event::COUNT],
    /// Monthly death while in an institution (same as housed).
    pub mortality: f64,
    pub mortality_homeless: f64,
    /// Monthly discharge probability: psychiatric ward, prison.
    pub discharge: [f64; 2],
    /// Probability that a discharge leads straight into homelessness: psychiatric, prison.
    pub discharge_homeless: [f64; 2],
    /// Self-resolved monthly exit by latent type, before modifiers.
    pub self_exit: [f64; 3],
    /// Exit multipliers: sofa, shelter, street.
    pub place_modifier: [f64; 3],
    pub frailty_per_year: f64,
    /// Self-exit hazard ratios: with a psychiatric illness or substance use; in education or a
    /// job.
    pub needs_exit_hr: f64,
    pub active_exit_hr: f64,
    /// Hazard ratio on losing an allocated home while in education or a job.
    pub active_loss_hr: f64,
    pub return_window: i32,
    pub host_episode_end: f64,
    pub shelter_acceptance: f64,
    pub shelter_stay_exit: f64,
    pub network: NetworkRules,
    pub list_after_months: i32,
    pub offer_acceptance: f64,
    pub refusal_cooldown: i32,
    pub move_in_lag: i32,
    pub priority: crate::scenario::PriorityWeights,
    pub income: crate::scenario::IncomeParams,
    pub segments: Vec<SegmentRule>,
    pub shelter_month_cost: u64,
    pub support_month_cost: [u64; 3],
    /// The state's refunds (§ 110 shelter stays, § 85 a support).
    pub refunds: RefundRules,
    /// Moves between municipalities.
    pub movement: MovementRules,
    pub support: SupportRules,
    /// Months a programme place lasts.
    pub programme_months: i32,
    /// Life events of the month as competing events (activity to the first or second target of
    /// `activity::TARGETS`, psychiatric flip, substance flip), indexed by [`Params::life_index`].
    pub life: Vec<[u32; 4]>,
}

impl Params {
    /// What these parameters hold on the heap, in bytes: the threshold tables and the segments
    /// (see [`super::Setup::approximate_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&self.housed[..])
            + std::mem::size_of_val(&self.life[..])
            + std::mem::size_of_val(&self.segments[..])
    }

    /// The parameters of `s` for a run at `scale` (see [`super::RunSpec`]).
    pub fn new(s: &Scenario, scale: f64) -> Params {
        let report_start = Month::parse(&s.run.start).expect("validated start");
        let end = Month::parse(&s.run.end).expect("validated end");
        let first_month = report_start.offset(-(s.run.burn_in_months as i32));
        let e = &s.entry;
        let p = &s.population;

        let care_exit = monthly_from_cumulative(e.care_exit_homeless_12m, 12.0);
        let aftercare_end = monthly_from_cumulative(e.aftercare_end_homeless_12m, 12.0);
        let mut housed = vec![[0u32; housed_event::COUNT]; COMBOS * RETURN_BANDS * CARE_WINDOWS];
        for t in 0..traits::COMBINATIONS as u8 {
            for a in 0..3u8 {
                let mut hrs = Vec::new();
                if t & traits::CARE != 0 {
                    hrs.push(e.hr_care);
                }
                if t & traits::PSYCHIATRIC != 0 {
                    hrs.push(e.hr_psychiatric);
                }
                if t & traits::SUBSTANCE != 0 {
                    hrs.push(e.hr_substance);
                }
                if t & traits::PRISON != 0 {
                    hrs.push(e.hr_prison);
                }
                if Activity::from_u8(a) == Activity::Neet {
                    hrs.push(e.hr_neet);
                }
                let hr = combine_hrs(&hrs, e.hr_shrinkage);
                for band in 0..RETURN_BANDS {
                    for window in 0..CARE_WINDOWS {
                        let mut probs = [0.0; housed_event::COUNT];
                        probs[housed_event::DEATH] = p.mortality_monthly;
                        probs[housed_event::ENTRY_DIRECT] = apply_hr(e.baseline_monthly, hr);
                        probs[housed_event::ENTRY_CARE_EXIT] = match window {
                            1 => care_exit,
                            2 => aftercare_end,
                            _ => 0.0,
                        };
                        probs[housed_event::ENTRY_RETURN] = match band {
                            0 => 0.0,
                            b => s.exits.return_monthly[b - 1],
                        };
                        probs[housed_event::AT_RISK] = apply_hr(e.at_risk_onset_monthly, hr);
                        if t & traits::PSYCHIATRIC != 0 {
                            probs[housed_event::PSYCHIATRIC_ADMISSION] =
                                e.psychiatric_admission_monthly;
                        }
                        if t & traits::PRISON != 0 {
                            probs[housed_event::PRISON_ADMISSION] = e.prison_admission_monthly;
                        }
                        housed[Self::housed_index(t, a, band, window)] =
                            cumulative_thresholds(&probs);
                    }
                }
            }
        }
        let mut at_risk_probs = [0.0; at_risk_event::COUNT];
        at_risk_probs[at_risk_event::DEATH] = p.mortality_monthly;
        at_risk_probs[at_risk_event::ENTRY] = e.at_risk_entry_monthly;
        at_risk_probs[at_risk_event::RESOLVED] = e.at_risk_resolve_monthly;

        let x = &s.exits;
        let sl = &s.sleeping;
        Params {
            first_month,
            report_start,
            end,
            scale,
            housed,
            at_risk: cumulative_thresholds(&at_risk_probs),
            mortality: p.mortality_monthly,
            mortality_homeless: p.mortality_homeless_monthly,
            discharge: [
                monthly_from_mean_duration(e.psychiatric_stay_months),
                monthly_from_mean_duration(e.prison_stay_months),
            ],
            // Discharge planning gives a share of discharges a home to go to.
            discharge_homeless: [
                e.psychiatric_discharge_homeless * (1.0 - s.health.discharge_planning_share),
                e.prison_release_homeless * (1.0 - s.health.discharge_planning_share),
            ],
            self_exit: x.type_exit_monthly.map(|v| v * x.self_resolved_share),
            place_modifier: x.place_modifier,
            frailty_per_year: x.frailty_per_year,
            needs_exit_hr: x.needs_exit_hr,
            active_exit_hr: s.activity.active_exit_hr,
            active_loss_hr: s.activity.active_loss_hr,
            return_window: x.return_window_months as i32,
            host_episode_end: sl.host_episode_end_monthly,
            shelter_acceptance: sl.shelter_acceptance,
            shelter_stay_exit: sl.shelter_stay_exit_monthly,
            network: NetworkRules {
                willingness_loss: (s.network.willingness_loss_per_month * 100.0).round() as u8,
                willingness_recovery: (s.network.willingness_recovery_per_month * 100.0).round()
                    as u8,
                drift: super::network::Drift {
                    decay: s.network.tie_decay_homeless_monthly,
                    new_tie: s.network.new_tie_homeless_monthly,
                    street_share: s.network.street_tie_share,
                },
                home_tie_exit_hr: s.network.home_tie_exit_hr,
                street_heavy_exit_hr: s.network.street_heavy_exit_hr,
                home_tie_loss_hr: s.network.home_tie_loss_hr,
                community_tie: 1.0 / s.network.community_tie_months,
                community_loss_hr: s.network.community_loss_hr,
            },
            list_after_months: s.allocation.list_after_months as i32,
            offer_acceptance: s.allocation.offer_acceptance,
            refusal_cooldown: s.allocation.refusal_cooldown_months as i32,
            move_in_lag: s.allocation.move_in_lag_months as i32,
            priority: s.allocation.priority.clone(),
            income: s.income.clone(),
            segments: s
                .housing
                .segments
                .iter()
                .map(|(name, seg)| SegmentRule {
                    name: name.clone(),
                    monthly_turnover: monthly_from_cumulative(seg.annual_turnover, 12.0),
                    youth_slot_share: seg.allocation_share * seg.homeless_youth_share,
                    rent: seg.rent,
                    eligibility: seg.eligibility,
                })
                .collect(),
            shelter_month_cost: s.costs.shelter_month as u64,
            support_month_cost: s.costs.support_month.map(|x| x as u64),
            movement: MovementRules {
                enabled: s.movement.enabled,
                housed: s.movement.housed_monthly,
                housed_max_age: s.movement.housed_max_age as i32 * 12 + 11,
                homeless: s.movement.homeless_monthly,
            },
            refunds: RefundRules {
                shelter_permille: (s.refunds.shelter_share * 1000.0).round() as u64,
                shelter_limit_days: s.refunds.shelter_limit_days as i32,
                support_permille: (s.refunds.support_share * 1000.0).round() as u64,
                support_limit_months: s.refunds.support_limit_months as i32,
            },
            programme_months: s.programmes.duration_months as i32,
            support: SupportRules {
                offer_to: s.support.offer_to,
                unsupported_loss: s.support.unsupported_loss_monthly,
                cti_phase_months: s.support.cti_phase_months as i32,
                cti_hr: s.support.cti_loss_hr,
                post_hr: s.support.post_cti_loss_hr,
                half_life: s.support.post_cti_half_life_months,
                hf_loss: s.support.hf_loss_monthly,
                youth_multiplier: s.support.youth_hf_multiplier,
                step_up_share: s.support.step_up_share,
                max_wait: s.support.max_wait_months as i32,
            },
            life: {
                let moves = super::activity::probabilities(&s.activity);
                let mut t = vec![[0u32; 4]; 3 * 2 * 2 * 4 * 2 * 2];
                let pr = &s.programmes;
                for a in 0..3u8 {
                    for psychiatric in [false, true] {
                        for substance in [false, true] {
                            for (context, ips, treatment) in (0..4u8).flat_map(|c| {
                                [
                                    (c, false, false),
                                    (c, true, false),
                                    (c, false, true),
                                    (c, true, true),
                                ]
                            }) {
                                // Activity moves at the homeless rates while homeless or recently
                                // rehoused; psychiatric onset at the homeless rate while homeless;
                                // substance-use onset at the homeless rate with a street-heavy
                                // network (context 2), at the housed rate otherwise (§7.4F).
                                let mut m = moves[(context > 0) as usize][a as usize];
                                if ips && a == 0 {
                                    // Supported employment raises NEET -> education or job.
                                    m = m.map(|p| super::hazard::apply_hr(p, pr.ips_entry_hr));
                                }
                                let h = super::health::flip_probabilities(
                                    &s.health,
                                    psychiatric,
                                    substance,
                                    context >= 2,
                                );
                                let h = if context == 3 {
                                    [
                                        h[0],
                                        super::health::flip_probabilities(
                                            &s.health,
                                            psychiatric,
                                            substance,
                                            false,
                                        )[1],
                                    ]
                                } else {
                                    h
                                };
                                // Treatment raises remission (a flip of a present condition).
                                let remit = |flip: f64, present: bool| {
                                    if treatment && present {
                                        super::hazard::apply_hr(flip, pr.treatment_remission_hr)
                                    } else {
                                        flip
                                    }
                                };
                                let h = [remit(h[0], psychiatric), remit(h[1], substance)];
                                t[Self::life_index(
                                    a,
                                    psychiatric,
                                    substance,
                                    context,
                                    ips,
                                    treatment,
                                )] = cumulative_thresholds(&[m[0], m[1], h[0], h[1]]);
                            }
                        }
                    }
                }
                t
            },
        }
    }

    /// Index into [`Params::life`]; `context` 0 housed, 1 recently rehoused, 2 homeless with a
    /// street-heavy network, 3 homeless otherwise.
    #[inline(always)]
    pub fn life_index(
        activity: u8,
        psychiatric: bool,
        substance: bool,
        context: u8,
        ips: bool,
        treatment: bool,
    ) -> usize {
        ((((activity as usize * 2 + psychiatric as usize) * 2 + substance as usize) * 4
            + context as usize)
            * 2
            + ips as usize)
            * 2
            + treatment as usize
    }

    /// Index into [`Params::housed`].
    #[inline(always)]
    pub fn housed_index(traits: u8, activity: u8, band: usize, window: usize) -> usize {
        ((traits as usize * 3 + activity as usize) * RETURN_BANDS + band) * CARE_WINDOWS + window
    }

    /// Months simulated in all, burn-in included.
    pub fn months(&self) -> i32 {
        self.end.0 - self.first_month.0 + 1
    }
}
