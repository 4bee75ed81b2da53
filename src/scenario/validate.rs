//! Range and consistency checks on a resolved scenario. Collects every problem, does not stop at
//! the first, so a user fixes a file in one go.

use super::types::*;
use crate::calendar::Month;

/// A problem with one key.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    fn range(&mut self, key: &str, v: f64, lo: f64, hi: f64) {
        if !(v >= lo && v <= hi) {
            self.fail(key, format!("{v} is out of range; allowed: {lo} to {hi}"));
        }
    }

    /// A probability that must stay below 1 (a certain monthly event is a modelling error).
    fn prob(&mut self, key: &str, v: f64) {
        if !(0.0..1.0).contains(&v) {
            self.fail(
                key,
                format!("{v} is not a probability; allowed: 0 to below 1"),
            );
        }
    }

    /// A probability that may be 1.
    fn share(&mut self, key: &str, v: f64) {
        self.range(key, v, 0.0, 1.0);
    }

    fn hr(&mut self, key: &str, v: f64) {
        self.range(key, v, 0.01, 100.0);
    }

    fn uint(&mut self, key: &str, v: u64, lo: u64, hi: u64) {
        if v < lo || v > hi {
            self.fail(key, format!("{v} is out of range; allowed: {lo} to {hi}"));
        }
    }
}

/// Checks every value of a scenario; an empty list means it is valid.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };

    if s.name.is_empty()
        || !s
            .name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        c.fail(
            "name",
            format!(
                "`{}` is not a valid name; allowed: letters, digits, `-` and `_`",
                s.name
            ),
        );
    }

    let start = Month::parse(&s.run.start);
    let end = Month::parse(&s.run.end);
    if start.is_none() {
        c.fail(
            "run.start",
            format!(
                "`{}` is not a month; allowed: `YYYY-MM` from 1990-01 to 2100-12",
                s.run.start
            ),
        );
    }
    if end.is_none() {
        c.fail(
            "run.end",
            format!(
                "`{}` is not a month; allowed: `YYYY-MM` from 1990-01 to 2100-12",
                s.run.end
            ),
        );
    }
    if let (Some(a), Some(b)) = (start, end)
        && b < a
    {
        c.fail(
            "run.end",
            format!(
                "{} is before run.start {}; allowed: run.start or later",
                s.run.end, s.run.start
            ),
        );
    }
    c.uint("run.burn_in_months", s.run.burn_in_months as u64, 0, 600);
    c.uint("run.replicates", s.run.replicates as u64, 1, 100_000);
    if !(s.run.scale > 0.0 && s.run.scale <= 1.0) {
        c.fail(
            "run.scale",
            format!(
                "{} is out of range; allowed: above 0 up to 1 (1 = one agent per young person)",
                s.run.scale
            ),
        );
    }

    let p = &s.population;
    c.share("population.care_history_share", p.care_history_share);
    c.share("population.aftercare_share", p.aftercare_share);
    c.share("population.psychiatric_share", p.psychiatric_share);
    c.share("population.substance_share", p.substance_share);
    c.share("population.prison_history_share", p.prison_history_share);
    c.share("population.education_share", p.education_share);
    c.share("population.job_share", p.job_share);
    if p.education_share + p.job_share > 1.0 + 1e-9 {
        c.fail(
            "population.job_share",
            format!(
                "education_share + job_share = {} exceeds 1; allowed: a sum of at most 1 (the rest are NEET)",
                p.education_share + p.job_share
            ),
        );
    }
    shares_sum_to_one(
        &mut c,
        "population.latent_type_shares",
        &p.latent_type_shares,
    );
    c.range("population.home_ties_mean", p.home_ties_mean, 0.0, 6.0);
    c.range(
        "population.home_ties_mean_care",
        p.home_ties_mean_care,
        0.0,
        6.0,
    );
    c.share("population.external_tie_share", p.external_tie_share);
    c.range("population.youth_index", p.youth_index, 0.1, 5.0);
    c.prob("population.mortality_monthly", p.mortality_monthly);
    c.prob(
        "population.mortality_homeless_monthly",
        p.mortality_homeless_monthly,
    );

    let e = &s.entry;
    c.prob("entry.baseline_monthly", e.baseline_monthly);
    c.hr("entry.hr_care", e.hr_care);
    c.hr("entry.hr_psychiatric", e.hr_psychiatric);
    c.hr("entry.hr_substance", e.hr_substance);
    c.hr("entry.hr_prison", e.hr_prison);
    c.hr("entry.hr_neet", e.hr_neet);
    c.range("entry.hr_shrinkage", e.hr_shrinkage, 0.0, 1.0);
    c.prob("entry.at_risk_onset_monthly", e.at_risk_onset_monthly);
    c.prob("entry.at_risk_resolve_monthly", e.at_risk_resolve_monthly);
    c.prob("entry.at_risk_entry_monthly", e.at_risk_entry_monthly);
    c.prob("entry.care_exit_homeless_12m", e.care_exit_homeless_12m);
    c.prob(
        "entry.aftercare_end_homeless_12m",
        e.aftercare_end_homeless_12m,
    );
    c.prob(
        "entry.psychiatric_admission_monthly",
        e.psychiatric_admission_monthly,
    );
    c.range(
        "entry.psychiatric_stay_months",
        e.psychiatric_stay_months,
        1.0,
        120.0,
    );
    c.share(
        "entry.psychiatric_discharge_homeless",
        e.psychiatric_discharge_homeless,
    );
    c.prob("entry.prison_admission_monthly", e.prison_admission_monthly);
    c.range("entry.prison_stay_months", e.prison_stay_months, 1.0, 240.0);
    c.share("entry.prison_release_homeless", e.prison_release_homeless);

    c.hr("activity.active_loss_hr", s.activity.active_loss_hr);
    c.hr("activity.active_exit_hr", s.activity.active_exit_hr);
    c.hr("exits.needs_exit_hr", s.exits.needs_exit_hr);

    let sl = &s.sleeping;
    c.share(
        "sleeping.host_episode_end_monthly",
        sl.host_episode_end_monthly,
    );

    c.share("sleeping.shelter_acceptance", sl.shelter_acceptance);
    c.share(
        "sleeping.shelter_stay_exit_monthly",
        sl.shelter_stay_exit_monthly,
    );
    c.uint(
        "sleeping.youth_shelter_beds_national",
        sl.youth_shelter_beds_national as u64,
        0,
        1_000_000,
    );
    let n = &s.network;
    c.range(
        "network.willingness_loss_per_month",
        n.willingness_loss_per_month,
        0.0,
        1.0,
    );
    c.range(
        "network.willingness_recovery_per_month",
        n.willingness_recovery_per_month,
        0.0,
        1.0,
    );
    c.share(
        "network.tie_decay_homeless_monthly",
        n.tie_decay_homeless_monthly,
    );
    c.share(
        "network.new_tie_homeless_monthly",
        n.new_tie_homeless_monthly,
    );
    c.share("network.street_tie_share", n.street_tie_share);
    c.range("network.home_tie_exit_hr", n.home_tie_exit_hr, 0.5, 2.0);
    c.range(
        "network.street_heavy_exit_hr",
        n.street_heavy_exit_hr,
        0.1,
        2.0,
    );
    c.range("network.home_tie_loss_hr", n.home_tie_loss_hr, 0.5, 1.0);
    c.range(
        "network.community_tie_months",
        n.community_tie_months,
        1.0,
        120.0,
    );
    c.range("network.community_loss_hr", n.community_loss_hr, 0.1, 1.0);

    let x = &s.exits;
    for (i, v) in x.type_exit_monthly.iter().enumerate() {
        c.prob(&format!("exits.type_exit_monthly[{i}]"), *v);
    }
    c.share("exits.self_resolved_share", x.self_resolved_share);
    for (i, v) in x.place_modifier.iter().enumerate() {
        c.range(&format!("exits.place_modifier[{i}]"), *v, 0.0, 5.0);
    }
    c.range("exits.frailty_per_year", x.frailty_per_year, 0.0, 1.0);
    for (i, v) in x.return_monthly.iter().enumerate() {
        c.prob(&format!("exits.return_monthly[{i}]"), *v);
    }
    c.uint(
        "exits.return_window_months",
        x.return_window_months as u64,
        0,
        360,
    );

    let a = &s.allocation;
    c.uint(
        "allocation.list_after_months",
        a.list_after_months as u64,
        0,
        60,
    );
    c.share("allocation.offer_acceptance", a.offer_acceptance);
    c.uint(
        "allocation.refusal_cooldown_months",
        a.refusal_cooldown_months as u64,
        0,
        120,
    );
    c.uint(
        "allocation.move_in_lag_months",
        a.move_in_lag_months as u64,
        0,
        24,
    );
    let w = &a.priority;
    for (k, v) in [
        ("psychiatric", w.psychiatric),
        ("care_history", w.care_history),
        ("substance", w.substance),
        ("shelter_or_street", w.shelter_or_street),
        ("per_month_homeless", w.per_month_homeless),
    ] {
        c.uint(&format!("allocation.priority.{k}"), v as u64, 0, 10_000);
    }

    let inc = &s.income;
    for (k, v) in [
        ("benefit", inc.benefit),
        ("benefit_psychiatric", inc.benefit_psychiatric),
        ("student_grant", inc.student_grant),
        ("wage", inc.wage),
    ] {
        c.uint(&format!("income.{k}"), v as u64, 0, 1_000_000);
    }
    c.range("income.max_rent_share", inc.max_rent_share, 0.0, 1.0);

    if s.housing.segments.len() > 32 {
        c.fail(
            "housing.segments",
            format!("{} segments; allowed: at most 32", s.housing.segments.len()),
        );
    }
    for (name, seg) in &s.housing.segments {
        let k = |f: &str| format!("housing.segments.{name}.{f}");
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            c.fail(
                format!("housing.segments.{name}"),
                format!("`{name}` is not a valid segment name; allowed: letters, digits and `_`"),
            );
        }
        c.uint(
            &k("national_stock"),
            seg.national_stock as u64,
            0,
            5_000_000,
        );
        c.share(&k("annual_turnover"), seg.annual_turnover);
        c.share(&k("allocation_share"), seg.allocation_share);
        c.share(&k("homeless_youth_share"), seg.homeless_youth_share);
        c.uint(&k("rent"), seg.rent as u64, 0, 100_000);
        c.uint(
            &k("unit_cost_per_year"),
            seg.unit_cost_per_year as u64,
            0,
            10_000_000,
        );
    }

    let su = &s.support;
    c.prob(
        "support.unsupported_loss_monthly",
        su.unsupported_loss_monthly,
    );
    c.uint(
        "support.cti_phase_months",
        su.cti_phase_months as u64,
        1,
        12,
    );
    c.range("support.cti_loss_hr", su.cti_loss_hr, 0.0, 1.0);
    c.range("support.post_cti_loss_hr", su.post_cti_loss_hr, 0.0, 1.0);
    c.range(
        "support.post_cti_half_life_months",
        su.post_cti_half_life_months,
        0.1,
        240.0,
    );
    for (i, v) in su.hf_loss_monthly.iter().enumerate() {
        c.prob(&format!("support.hf_loss_monthly[{i}]"), *v);
    }
    c.range(
        "support.youth_hf_multiplier",
        su.youth_hf_multiplier,
        0.0,
        10.0,
    );
    c.share("support.step_up_share", su.step_up_share);
    c.uint("support.max_wait_months", su.max_wait_months as u64, 0, 120);
    for (i, v) in su.workers_national.iter().enumerate() {
        c.range(
            &format!("support.workers_national[{i}]"),
            *v,
            0.0,
            100_000.0,
        );
    }
    // CTI's fidelity ceiling is 20 clients per worker (DA §2.1).
    c.uint("support.caseload[0]", su.caseload[0] as u64, 1, 20);
    c.uint("support.caseload[1]", su.caseload[1] as u64, 1, 50);
    c.uint("support.caseload[2]", su.caseload[2] as u64, 1, 50);

    let ac = &s.activity;
    c.prob("activity.neet_exit_monthly", ac.neet_exit_monthly);
    c.prob("activity.active_loss_monthly", ac.active_loss_monthly);
    c.prob(
        "activity.study_job_switch_monthly",
        ac.study_job_switch_monthly,
    );
    c.prob(
        "activity.homeless_neet_exit_monthly",
        ac.homeless_neet_exit_monthly,
    );
    c.prob(
        "activity.homeless_active_loss_monthly",
        ac.homeless_active_loss_monthly,
    );

    let h = &s.health;
    c.prob(
        "health.psychiatric_onset_monthly",
        h.psychiatric_onset_monthly,
    );
    c.hr(
        "health.psychiatric_onset_homeless_hr",
        h.psychiatric_onset_homeless_hr,
    );
    c.prob(
        "health.psychiatric_remission_monthly",
        h.psychiatric_remission_monthly,
    );
    c.prob("health.substance_onset_monthly", h.substance_onset_monthly);
    c.prob(
        "health.substance_onset_homeless_monthly",
        h.substance_onset_homeless_monthly,
    );
    c.prob(
        "health.substance_remission_monthly",
        h.substance_remission_monthly,
    );
    c.hr("health.treatment_remission_hr", h.treatment_remission_hr);
    c.share(
        "health.discharge_planning_share",
        h.discharge_planning_share,
    );

    let pr = &s.programmes;
    c.uint(
        "programmes.duration_months",
        pr.duration_months as u64,
        1,
        120,
    );
    c.hr("programmes.ips_entry_hr", pr.ips_entry_hr);
    c.hr(
        "programmes.treatment_remission_hr",
        pr.treatment_remission_hr,
    );
    for (k, v) in [
        ("ips", pr.places_national.ips),
        ("community", pr.places_national.community),
        ("treatment", pr.places_national.treatment),
    ] {
        c.uint(
            &format!("programmes.places_national.{k}"),
            v as u64,
            0,
            1_000_000,
        );
    }

    let b = &s.budget;
    c.uint("budget.annual_dkk", b.annual_dkk, 0, 100_000_000_000);
    let mut total_share = 0.0;
    for (i, item) in b.items.iter().enumerate() {
        let k = |f: &str| format!("budget.items[{i}].{f}");
        c.share(&k("share"), item.share);
        total_share += item.share;
        let allowed = lever_targets(s, item.lever);
        if !allowed.contains(&item.target) {
            c.fail(
                k("target"),
                format!(
                    "`{}` is not a target of lever {:?}; allowed: {}",
                    item.target,
                    item.lever,
                    allowed.join(", ")
                ),
            );
        } else if item.lever == Lever::Units
            && s.housing.segments[&item.target].unit_cost_per_year == 0
        {
            c.fail(
                k("target"),
                format!(
                    "segment `{}` has no unit_cost_per_year, so a budget cannot buy units of it",
                    item.target
                ),
            );
        }
    }
    if total_share > 1.0 + 1e-9 {
        c.fail(
            "budget.items",
            format!("shares sum to {total_share:.6}; allowed: at most 1"),
        );
    }
    if !b.items.is_empty() && b.annual_dkk == 0 {
        c.fail(
            "budget.annual_dkk",
            "0 with items to buy; allowed: a positive budget",
        );
    }

    if let Some(t) = &s.trial {
        c.uint("trial.cohort", t.cohort as u64, 2, 10_000_000);
        c.uint("trial.months", t.months as u64, 1, 240);
        c.prob("trial.rehousing_monthly", t.rehousing_monthly);
        c.range("trial.nights_per_month", t.nights_per_month, 28.0, 31.0);
    }

    c.uint(
        "costs.shelter_month",
        s.costs.shelter_month as u64,
        0,
        10_000_000,
    );
    for (i, v) in s.costs.support_month.iter().enumerate() {
        c.uint(
            &format!("costs.support_month[{i}]"),
            *v as u64,
            0,
            1_000_000,
        );
    }
    let pm = &s.costs.programme_place_month;
    for (k, v) in [
        ("ips", pm.ips),
        ("community", pm.community),
        ("treatment", pm.treatment),
    ] {
        c.uint(
            &format!("costs.programme_place_month.{k}"),
            v as u64,
            0,
            1_000_000,
        );
    }

    rollout_problems(&mut c, s);

    // Nothing above reads `s.changes`: what is found so far is the scenario without them.
    for (key, message) in super::timeline::problems(s, &c.problems) {
        c.fail(key, message);
    }

    c.problems
}

fn shares_sum_to_one(c: &mut Checker, key: &str, v: &[f64]) {
    for (i, x) in v.iter().enumerate() {
        c.share(&format!("{key}[{i}]"), *x);
    }
    let sum: f64 = v.iter().sum();
    if (sum - 1.0).abs() > 1e-6 {
        c.fail(
            key,
            format!("shares sum to {sum:.6}; allowed: shares that sum to 1"),
        );
    }
}

/// The targets a lever can buy, for budget items and concept components.
fn lever_targets(s: &Scenario, lever: Lever) -> Vec<String> {
    match lever {
        Lever::Units => s.housing.segments.keys().cloned().collect(),
        Lever::SupportWorkers => vec!["cti".into(), "icm".into(), "act".into()],
        Lever::Places => vec!["ips".into(), "community".into(), "treatment".into()],
    }
}

/// Refunds, movement, size classes, channels, concepts and rollout plans. Municipality and
/// region names are checked against the data table in `model::Setup::new`.
fn rollout_problems(c: &mut Checker, s: &Scenario) {
    let r = &s.refunds;
    c.share("refunds.shelter_share", r.shelter_share);
    c.uint(
        "refunds.shelter_limit_days",
        r.shelter_limit_days as u64,
        0,
        3650,
    );
    c.share("refunds.support_share", r.support_share);
    c.uint(
        "refunds.support_limit_months",
        r.support_limit_months as u64,
        0,
        600,
    );

    let m = &s.movement;
    c.prob("movement.housed_monthly", m.housed_monthly);
    c.uint("movement.housed_max_age", m.housed_max_age as u64, 18, 29);
    c.prob("movement.homeless_monthly", m.homeless_monthly);
    c.range("movement.city_pull", m.city_pull, 0.0, 3.0);
    c.range("movement.concept_pull", m.concept_pull, 0.0, 100.0);

    let k = &s.municipality_classes;
    if k.medium_from >= k.large_from {
        c.fail(
            "municipality_classes.large_from",
            format!(
                "{} is not above medium_from {}; allowed: medium_from < large_from",
                k.large_from, k.medium_from
            ),
        );
    }

    for (name, ch) in &s.channels {
        let key = |f: &str| format!("channels.{name}.{f}");
        c.range(&key("cost_factor"), ch.cost_factor, 0.1, 10.0);
        c.uint(&key("ramp_months"), ch.ramp_months as u64, 0, 120);
        c.share(&key("fidelity"), ch.fidelity);
        c.uint(&key("term_months"), ch.term_months as u64, 0, 600);
        let p = &ch.outcome_prices;
        for (f, v) in [
            ("housed_3m", p.housed_3m),
            ("housed_6m", p.housed_6m),
            ("housed_12m", p.housed_12m),
            ("housed_18m", p.housed_18m),
            ("active_12m", p.active_12m),
            ("shelter_month_avoided", p.shelter_month_avoided),
        ] {
            c.uint(
                &key(&format!("outcome_prices.{f}")),
                v as u64,
                0,
                10_000_000,
            );
        }
        if ch.funder != Funder::Investor && *p != OutcomePrices::default() {
            c.fail(
                key("outcome_prices"),
                "outcome prices on a channel whose funder is not an investor; allowed: prices only with funder = \"investor\"",
            );
        }
    }

    for (name, concept) in &s.concepts {
        if concept.components.is_empty() {
            c.fail(
                format!("concepts.{name}.components"),
                "no components; allowed: at least one lever the concept adds",
            );
        }
        for (i, comp) in concept.components.iter().enumerate() {
            let key = |f: &str| format!("concepts.{name}.components[{i}].{f}");
            let allowed = lever_targets(s, comp.lever);
            if !allowed.contains(&comp.target) {
                c.fail(
                    key("target"),
                    format!(
                        "`{}` is not a target of lever {:?}; allowed: {}",
                        comp.target,
                        comp.lever,
                        allowed.join(", ")
                    ),
                );
            }
            c.range(&key("per_10k_youth"), comp.per_10k_youth, 0.0, 1000.0);
            c.uint(
                &key("establishment_dkk"),
                comp.establishment_dkk as u64,
                0,
                100_000_000,
            );
        }
    }

    let names = |map: Vec<&String>| {
        map.into_iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, plan) in s.rollout.iter().enumerate() {
        let key = |f: &str| format!("rollout[{i}].{f}");
        if !s.concepts.contains_key(&plan.concept) {
            c.fail(
                key("concept"),
                format!(
                    "unknown concept `{}`; allowed: {}",
                    plan.concept,
                    names(s.concepts.keys().collect())
                ),
            );
        }
        if !s.channels.contains_key(&plan.channel) {
            c.fail(
                key("channel"),
                format!(
                    "unknown channel `{}`; allowed: {}",
                    plan.channel,
                    names(s.channels.keys().collect())
                ),
            );
        }
        if Month::parse(&plan.start).is_none() {
            c.fail(
                key("start"),
                format!("`{}` is not a month; allowed: YYYY-MM", plan.start),
            );
        }
        match (&plan.select, plan.municipalities.is_empty()) {
            (None, true) => c.fail(
                key("municipalities"),
                "no municipalities and no `select` rule; allowed: named municipalities or a rule",
            ),
            (Some(_), false) => c.fail(
                key("select"),
                "both named municipalities and a rule; allowed: one of them",
            ),
            _ => {}
        }
        if let Some(sel) = &plan.select {
            if let Some(n) = sel.largest {
                c.uint(&key("select.largest"), n as u64, 1, 255);
            }
            if let Some(r) = sel.min_rate_per_1000 {
                c.range(&key("select.min_rate_per_1000"), r, 0.0, 1000.0);
            }
        }
        c.uint(&key("stagger_months"), plan.stagger_months as u64, 0, 600);
        if let Some(r) = plan.ramp_months {
            c.uint(&key("ramp_months"), r as u64, 0, 120);
        }
        if let Some(f) = plan.fidelity {
            c.share(&key("fidelity"), f);
        }
        c.range(&key("capacity_factor"), plan.capacity_factor, 0.0, 100.0);
        if let Some(d) = &plan.diffusion {
            c.uint(
                &key("diffusion.after_months"),
                d.after_months as u64,
                0,
                600,
            );
            c.share(&key("diffusion.min_reduction"), d.min_reduction);
        }
    }
}
