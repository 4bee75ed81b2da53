//! The typed scenario: what a scenario file may say, after `extends` and `--set` are applied.
//!
//! Every field is required in the resolved scenario: defaults live in `scenarios/baseline.toml`,
//! next to their sources, not hidden in code. Policy scenarios `extends` the baseline and
//! override only their levers. Each number's range is declared once, beside its field (`#[schemars(range(...))]` or
//! `transform = probability`): the committed JSON Schema shows it to editors, and
//! [`super::validate`] checks every value against that same schema.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The range of a monthly probability, for `#[schemars(transform = probability)]`: from 0 up
/// to but not including 1, since an event certain every month is a modelling error, not a
/// rate. On an array field it applies to every item.
fn probability(schema: &mut schemars::Schema) {
    let target = match schema.get_mut("items") {
        Some(items) => items.as_object_mut(),
        None => schema.as_object_mut(),
    };
    if let Some(t) = target {
        t.insert("minimum".into(), 0.0.into());
        t.insert("exclusiveMaximum".into(), 1.0.into());
    }
}

/// A complete hjemsim scenario.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name; the run writes to `<out>/<name>/`. Letters, digits, `-` and `_`.
    pub name: String,
    /// One line saying what the scenario is.
    #[serde(default)]
    pub description: String,
    /// Path of a scenario file this one overlays, relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    pub run: RunSettings,
    pub data: DataSettings,
    pub population: PopulationParams,
    pub entry: EntryParams,
    pub sleeping: SleepingParams,
    pub network: NetworkParams,
    pub exits: ExitParams,
    pub allocation: AllocationParams,
    pub income: IncomeParams,
    pub housing: HousingParams,
    pub support: SupportParams,
    pub activity: ActivityParams,
    pub health: HealthParams,
    pub costs: CostParams,
    pub programmes: ProgrammeParams,
    /// What a track or concept buys with its budget.
    pub budget: Budget,
    /// A virtual trial instead of the population run (see `scenarios/trials/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<TrialParams>,
    /// Dated changes: scenario keys that follow a dated series, nationally or in named
    /// municipalities, by name (a table, so that an overlay adds or replaces one change without
    /// restating the others). See [`crate::scenario::timeline`].
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub changes: std::collections::BTreeMap<String, Change>,
    /// Who pays what: the state's refunds of municipal costs.
    pub refunds: Refunds,
    /// Young people moving between municipalities.
    pub movement: Movement,
    /// Size classes of municipalities, for rollout rules.
    pub municipality_classes: MunicipalityClasses,
    /// Concepts defined from levers, by name (what one adds per 10,000 young residents).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub concepts: std::collections::BTreeMap<String, Concept>,
    /// Delivery and financing channels, by name (`dsi`, `skf`, `municipal`, `foundation`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub channels: std::collections::BTreeMap<String, Channel>,
    /// Rollout plans: which municipalities adopt which concept, when, through which channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollout: Vec<Rollout>,
}

/// How a dated series fills the months between its points.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// The value of the latest point applies until the next point.
    #[default]
    Step,
    /// Straight lines between points (integer keys are rounded to the nearest whole number).
    Linear,
}

/// One scenario key following a dated series. Before its first point the key keeps the value
/// the rest of the scenario gives it; after its last point it keeps the last value.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// A numeric scenario key as `--set` writes it, e.g. `entry.at_risk_onset_monthly`,
    /// `housing.segments.almene_cheap.national_stock` or `exits.type_exit_monthly[2]`.
    pub key: String,
    #[serde(default)]
    pub interpolation: Interpolation,
    /// Municipalities the change applies to (by name); all when empty. A national quantity
    /// (a stock, beds, workers) changed for named municipalities gives each of them its
    /// apportioned share of the new national value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
    /// The series, months in increasing order.
    pub points: Vec<ChangePoint>,
}

/// One point of a dated series.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChangePoint {
    /// `YYYY-MM`: the first month the value applies.
    pub month: String,
    pub value: f64,
}

/// Time, replicates, seed and scale.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// First reported month, `YYYY-MM`.
    pub start: String,
    /// Last reported month, `YYYY-MM`.
    pub end: String,
    /// Months simulated before `start` and not reported, so that histories build up.
    #[schemars(range(min = 0, max = 600))]
    pub burn_in_months: u32,
    /// Independent replicates (same scenario, different luck).
    #[schemars(range(min = 1, max = 100_000))]
    pub replicates: u32,
    /// Master seed; with the replicate number it keys every random draw.
    pub seed: u64,
    /// Share of the young population simulated (1 = one agent per young person).
    /// Counts are reported scaled back to the national level.
    #[schemars(range(max = 1.0), extend("exclusiveMinimum" = 0.0))]
    pub scale: f64,
    /// Whether someone housed outside every mechanism sleeps through the months in which
    /// nothing happens to them: the waiting time to their next possible event is drawn once
    /// (thinning; docs/PERFORMANCE.md). `false` draws every month of everyone: slower, the
    /// same model in distribution, other bytes (the random scheme before this key existed).
    #[serde(default = "yes")]
    pub skip_quiet_months: bool,
}

/// Input data files, relative to the scenario file that names them.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataSettings {
    /// Municipality table: `municipality,region,population,population_18_29,student_homes`.
    pub municipalities: String,
}

/// Who the young people are. These are population facts, not policy levers: they are drawn from
/// the seed alone, so a baseline and a policy scenario face the same people.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PopulationParams {
    /// Share ever placed in out-of-home care (anbragt).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub care_history_share: f64,
    /// Share of care leavers who receive aftercare (efterværn) until 23.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub aftercare_share: f64,
    /// Share with a diagnosed psychiatric illness.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub psychiatric_share: f64,
    /// Share with a substance-use disorder.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub substance_share: f64,
    /// Share with a prison history.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub prison_history_share: f64,
    /// Share in education (the rest of those not in a job are NEET).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub education_share: f64,
    /// Share in a job.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub job_share: f64,
    /// Latent exit type shares at first entry: transitional, episodic, chronic (sum 1).
    #[schemars(inner(range(min = 0.0, max = 1.0)))]
    pub latent_type_shares: [f64; 3],
    /// Mean number of home-based ties (family, friends) able to host a sofa stay (Poisson, at
    /// most 6).
    #[schemars(range(min = 0.0, max = 6.0))]
    pub home_ties_mean: f64,
    /// The same for care leavers, whose family networks are weaker.
    #[schemars(range(min = 0.0, max = 6.0))]
    pub home_ties_mean_care: f64,
    /// Share of home-based ties outside the 18-29 population (family, neighbours); the rest
    /// are young people of the same municipality.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub external_tie_share: f64,
    /// Monthly death probability while not homeless.
    #[schemars(transform = probability)]
    pub mortality_monthly: f64,
    /// Monthly death probability while homeless.
    #[schemars(transform = probability)]
    pub mortality_homeless_monthly: f64,
    /// Residents aged 18-29 relative to the municipality table (1 = the table's count). A dated
    /// series of it makes the population follow the cohorts: the first simulated month starts
    /// with this share of the table, and 18-year-olds enter so that the population follows the
    /// series (see `model::demography`).
    #[schemars(range(min = 0.1, max = 5.0))]
    pub youth_index: f64,
}

/// Risk onset and entry into homelessness (domain-anchors §7.4A).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EntryParams {
    /// Monthly direct entry (sudden eviction, family breakdown) for youth without risk factors.
    #[schemars(transform = probability)]
    pub baseline_monthly: f64,
    #[schemars(range(min = 0.01, max = 100.0))]
    pub hr_care: f64,
    #[schemars(range(min = 0.01, max = 100.0))]
    pub hr_psychiatric: f64,
    #[schemars(range(min = 0.01, max = 100.0))]
    pub hr_substance: f64,
    #[schemars(range(min = 0.01, max = 100.0))]
    pub hr_prison: f64,
    #[schemars(range(min = 0.01, max = 100.0))]
    pub hr_neet: f64,
    /// Shrinkage on summed log hazard ratios (univariate ratios overlap).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub hr_shrinkage: f64,
    /// Monthly `housed -> at risk` for youth without risk factors (multiplied by the hazard ratios).
    #[schemars(transform = probability)]
    pub at_risk_onset_monthly: f64,
    /// Monthly `at risk -> housed` (risk resolved).
    #[schemars(transform = probability)]
    pub at_risk_resolve_monthly: f64,
    /// Monthly `at risk -> homeless` without prevention.
    #[schemars(transform = probability)]
    pub at_risk_entry_monthly: f64,
    /// Probability that a care leaver becomes homeless within 12 months of leaving care at 18.
    #[schemars(transform = probability)]
    pub care_exit_homeless_12m: f64,
    /// The same within 12 months of aftercare ending at 23.
    #[schemars(transform = probability)]
    pub aftercare_end_homeless_12m: f64,
    /// Monthly psychiatric admission for those with a psychiatric illness.
    #[schemars(transform = probability)]
    pub psychiatric_admission_monthly: f64,
    /// Mean psychiatric stay in months.
    #[schemars(range(min = 1.0, max = 120.0))]
    pub psychiatric_stay_months: f64,
    /// Probability that a psychiatric discharge without a housing plan leads into homelessness.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub psychiatric_discharge_homeless: f64,
    /// Monthly imprisonment for those with a prison history.
    #[schemars(transform = probability)]
    pub prison_admission_monthly: f64,
    /// Mean prison stay in months.
    #[schemars(range(min = 1.0, max = 240.0))]
    pub prison_stay_months: f64,
    /// Probability that a prison release leads into homelessness.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub prison_release_homeless: f64,
}

/// Where the homeless sleep (domain-anchors §7.4B).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SleepingParams {
    /// Monthly probability that a sofa stay with the current host ends (the host will not host
    /// again until their willingness recovers).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub host_episode_end_monthly: f64,
    /// Probability that a young person accepts a free (adult) shelter bed.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub shelter_acceptance: f64,
    /// Monthly probability that a shelter stay ends (to sofa or street).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub shelter_stay_exit_monthly: f64,
    /// Shelter beds available to young people in Denmark (apportioned by population).
    #[schemars(range(min = 0, max = 1_000_000))]
    pub youth_shelter_beds_national: u32,
}

/// Community ties (domain-anchors §4.5 and §7.4B).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkParams {
    /// Loss of a host's willingness per hosted month (full willingness is 1).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub willingness_loss_per_month: f64,
    /// Recovery of willingness per month while the young person has a home.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub willingness_recovery_per_month: f64,
    /// Monthly loss of each tie while homeless.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub tie_decay_homeless_monthly: f64,
    /// Monthly probability of a new tie while homeless.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub new_tie_homeless_monthly: f64,
    /// Share of new ties while homeless that are with street peers.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub street_tie_share: f64,
    /// Exit multiplier per home-based tie (up to five ties).
    #[schemars(range(min = 0.5, max = 2.0))]
    pub home_tie_exit_hr: f64,
    /// Exit multiplier with a street-heavy network (at least as many street as home ties).
    #[schemars(range(min = 0.1, max = 2.0))]
    pub street_heavy_exit_hr: f64,
    /// Hazard ratio on losing an allocated home, per home-based tie (up to five ties).
    #[schemars(range(min = 0.5, max = 1.0))]
    pub home_tie_loss_hr: f64,
    /// Months between new ties made by the community programme.
    #[schemars(range(min = 1.0, max = 120.0))]
    pub community_tie_months: f64,
    /// Hazard ratio on losing the home while in the community programme.
    #[schemars(range(min = 0.1, max = 1.0))]
    pub community_loss_hr: f64,
}

/// Exits from homelessness (domain-anchors §7.4C).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExitParams {
    /// Total monthly exit by latent type: transitional, episodic, chronic.
    #[schemars(transform = probability)]
    pub type_exit_monthly: [f64; 3],
    /// Share of that exit that is self-resolved (family, market, student housing); the rest
    /// happens through explicit housing offers.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub self_resolved_share: f64,
    /// Exit multiplier while on a sofa, in a shelter, on the street.
    #[schemars(inner(range(min = 0.0, max = 5.0)))]
    pub place_modifier: [f64; 3],
    /// Exit multiplier per 12 months already homeless (negative duration dependence).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub frailty_per_year: f64,
    /// Monthly return to homelessness after an exit: months 1-6, 7-12, 13 and later.
    #[schemars(transform = probability)]
    pub return_monthly: [f64; 3],
    /// Months after an exit during which the return hazard applies.
    #[schemars(range(min = 0, max = 360))]
    pub return_window_months: u32,
    /// Hazard ratio on a self-resolved exit with a psychiatric illness or substance use (longer
    /// spells): the pathway from treatment to leaving homelessness.
    #[schemars(range(min = 0.01, max = 100.0))]
    pub needs_exit_hr: f64,
}

/// The municipal allocation queue (domain-anchors §7.4D).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AllocationParams {
    /// Months homeless before a young person is on the municipal list.
    #[schemars(range(min = 0, max = 60))]
    pub list_after_months: u32,
    /// Probability that an offer is accepted.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub offer_acceptance: f64,
    /// Months off the list after refusing an offer.
    #[schemars(range(min = 0, max = 120))]
    pub refusal_cooldown_months: u32,
    /// Months from accepting an offer to moving in.
    #[schemars(range(min = 0, max = 24))]
    pub move_in_lag_months: u32,
    /// Need-based priority points.
    pub priority: PriorityWeights,
}

/// Points in the need-based priority score; ties go to the longest wait, then the lowest id.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PriorityWeights {
    #[schemars(range(min = 0, max = 10_000))]
    pub psychiatric: u32,
    #[schemars(range(min = 0, max = 10_000))]
    pub care_history: u32,
    #[schemars(range(min = 0, max = 10_000))]
    pub substance: u32,
    /// Points for sleeping in a shelter or on the street rather than on a sofa.
    #[schemars(range(min = 0, max = 10_000))]
    pub shelter_or_street: u32,
    /// Points per month homeless in the current spell (capped at 24 months).
    #[schemars(range(min = 0, max = 10_000))]
    pub per_month_homeless: u32,
}

/// Monthly income by activity (DKK), which decides which rents are affordable.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IncomeParams {
    /// Uddannelseshjælp, living away from parents (NEET).
    #[schemars(range(min = 0, max = 1_000_000))]
    pub benefit: u32,
    /// Uddannelseshjælp with a psychiatric illness (NEET).
    #[schemars(range(min = 0, max = 1_000_000))]
    pub benefit_psychiatric: u32,
    /// SU, the student grant, living away from parents.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub student_grant: u32,
    /// Net monthly wage of a young person in a job.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub wage: u32,
    /// Largest share of income a young person can pay in rent.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub max_rent_share: f64,
}

/// Housing segments municipalities can allocate from, by name (letters, digits, `_`). A table,
/// so that an overlay changes one segment's key without restating the others; slots are offered
/// segment by segment in name order.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HousingParams {
    pub segments: std::collections::BTreeMap<String, HousingSegment>,
}

/// Who may be offered a unit in a segment.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// Any homeless young person.
    Any,
    /// Only young people in education.
    Education,
    /// Education, or a special social need (care history or psychiatric illness), as youth
    /// housing (ungdomsboliger) is let.
    EducationOrSocialNeed,
}

/// How a national stock is apportioned to municipalities (largest remainder, so totals hold).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Apportionment {
    /// By total population.
    Population,
    /// By residents aged 18-29.
    Youth,
    /// By student homes (column `student_homes`).
    StudentHomes,
}

/// One housing segment, e.g. cheap almene family units or kollegium rooms.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HousingSegment {
    /// Units in Denmark.
    #[schemars(range(min = 0, max = 5_000_000))]
    pub national_stock: u32,
    pub apportion_by: Apportionment,
    /// Share of units that fall vacant in a year.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub annual_turnover: f64,
    /// Share of vacancies the municipality allocates (kommunal anvisningsret).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub allocation_share: f64,
    /// Share of municipal allocations that go to homeless young people (the rest go to other
    /// groups in urgent need, who are not modelled).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub homeless_youth_share: f64,
    /// Monthly rent in DKK.
    #[schemars(range(min = 0, max = 100_000))]
    pub rent: u32,
    pub eligibility: Eligibility,
    /// Public cost of one more unit per year (capital annuity or rent subsidy), for budgets.
    #[serde(default)]
    #[schemars(range(min = 0, max = 10_000_000))]
    pub unit_cost_per_year: u32,
}

/// Who is offered housing support on moving into an allocated home.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SupportOffer {
    /// Nobody.
    None,
    /// Those with a support need (psychiatric illness, substance use or care history), by method
    /// as in Danish practice.
    WithNeeds,
    /// Everyone rehoused (Housing First): those without a need get CTI.
    All,
}

/// Housing support: CTI, ICM and ACT (domain-anchors §2, §3 and §7.4E).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SupportParams {
    pub offer_to: SupportOffer,
    /// Monthly loss of an allocated home without support, during the return window.
    #[schemars(transform = probability)]
    pub unsupported_loss_monthly: f64,
    /// Months in each of CTI's three phases.
    #[schemars(range(min = 1, max = 12))]
    pub cti_phase_months: u32,
    /// Hazard ratio on home loss during CTI.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub cti_loss_hr: f64,
    /// Hazard ratio on home loss just after CTI ends; fades back to 1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub post_cti_loss_hr: f64,
    /// Half-life of the post-CTI protection, months.
    #[schemars(range(min = 0.1, max = 240.0))]
    pub post_cti_half_life_months: f64,
    /// Monthly home loss with ICM or ACT: year 1, year 2, year 3 and later.
    #[schemars(transform = probability)]
    pub hf_loss_monthly: [f64; 3],
    /// Multiplier on that loss for young people.
    #[schemars(range(min = 0.0, max = 10.0))]
    pub youth_hf_multiplier: f64,
    /// Share of CTI clients stepped up to ICM at the end of CTI because they are unstable.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub step_up_share: f64,
    /// Months a person waits for a support slot before the offer lapses.
    #[schemars(range(min = 0, max = 120))]
    pub max_wait_months: u32,
    /// Support workers (FTE) in Denmark for young people: CTI, ICM, ACT (apportioned by youth).
    #[schemars(inner(range(min = 0.0, max = 100_000.0)))]
    pub workers_national: [f64; 3],
    /// Clients per worker: CTI, ICM, ACT.
    #[schemars(inner(range(min = 1, max = 50)))]
    pub caseload: [u32; 3],
}

/// Jobs and education: monthly moves between NEET, education and a job (domain-anchors §7.4F).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ActivityParams {
    /// NEET -> education or job (half each), while housed.
    #[schemars(transform = probability)]
    pub neet_exit_monthly: f64,
    /// Education or job -> NEET, while housed.
    #[schemars(transform = probability)]
    pub active_loss_monthly: f64,
    /// Education -> job, and job -> education (keeps the shares stationary).
    #[schemars(transform = probability)]
    pub study_job_switch_monthly: f64,
    /// NEET -> education or job while homeless or within the return window after it.
    #[schemars(transform = probability)]
    pub homeless_neet_exit_monthly: f64,
    /// Education or job -> NEET while homeless.
    #[schemars(transform = probability)]
    pub homeless_active_loss_monthly: f64,
    /// Hazard ratio on losing an allocated home while in education or a job (income, daily
    /// structure): the pathway from jobs and education to staying housed.
    #[schemars(range(min = 0.01, max = 100.0))]
    pub active_loss_hr: f64,
    /// Hazard ratio on a self-resolved exit from homelessness while in education or a job
    /// (a student home, a market rental on a wage).
    #[schemars(range(min = 0.01, max = 100.0))]
    pub active_exit_hr: f64,
}

/// Psychiatric illness and substance use (domain-anchors §7.4F).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HealthParams {
    /// Monthly psychiatric diagnosis onset while housed.
    #[schemars(transform = probability)]
    pub psychiatric_onset_monthly: f64,
    /// Multiplier on that onset while homeless.
    #[schemars(range(min = 0.01, max = 100.0))]
    pub psychiatric_onset_homeless_hr: f64,
    /// Monthly end of a psychiatric illness (keeps prevalence stationary while housed).
    #[schemars(transform = probability)]
    pub psychiatric_remission_monthly: f64,
    /// Monthly substance-use onset while housed.
    #[schemars(transform = probability)]
    pub substance_onset_monthly: f64,
    /// Monthly substance-use onset while homeless (street peers).
    #[schemars(transform = probability)]
    pub substance_onset_homeless_monthly: f64,
    /// Monthly substance-use remission.
    #[schemars(transform = probability)]
    pub substance_remission_monthly: f64,
    /// Multiplier on both remissions from treatment access (the health track's lever).
    #[schemars(range(min = 0.01, max = 100.0))]
    pub treatment_remission_hr: f64,
    /// Share of psychiatric discharges and prison releases with a housing plan, which then do not
    /// lead into homelessness (the health track's discharge planning).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub discharge_planning_share: f64,
}

/// A virtual randomised trial of CTI: a cohort of young people with a psychiatric illness, just
/// moved into a home, randomised to CTI or usual services and followed month by month with the
/// model's own loss and exit hazards.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrialParams {
    /// People randomised (half to each arm, by a keyed draw).
    #[schemars(range(min = 2, max = 10_000_000))]
    pub cohort: u32,
    /// Months of follow-up.
    #[schemars(range(min = 1, max = 240))]
    pub months: u32,
    /// Monthly rehousing through the municipality for someone homeless again (on top of the
    /// self-resolved exit of their latent type).
    #[schemars(transform = probability)]
    pub rehousing_monthly: f64,
    /// Nights per month when turning homeless months into homeless nights.
    #[schemars(range(min = 28.0, max = 31.0))]
    pub nights_per_month: f64,
}

/// Programmes that young people join when they move into an allocated home, up to the places
/// bought for them.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeParams {
    /// Months a participant stays in a programme.
    #[schemars(range(min = 1, max = 120))]
    pub duration_months: u32,
    /// Hazard ratio on leaving NEET for education or a job with supported employment (IPS).
    #[schemars(range(min = 0.01, max = 100.0))]
    pub ips_entry_hr: f64,
    /// Hazard ratio on remission of psychiatric illness and substance use with a treatment place.
    #[schemars(range(min = 0.01, max = 100.0))]
    pub treatment_remission_hr: f64,
    /// Places in Denmark before any budget: IPS, community host (fællesskabsvært), treatment.
    pub places_national: ProgrammePlaces,
}

/// Places per programme.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProgrammePlaces {
    /// Supported employment (IPS): for participants who are NEET.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub ips: u32,
    /// Community host (fællesskabsvært) or inclusive community: for everyone rehoused.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub community: u32,
    /// Psychiatric and substance-use treatment: for participants with either.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub treatment: u32,
}

/// A track's or concept's budget and what it buys.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// DKK a year.
    #[serde(default)]
    #[schemars(range(min = 0, max = 100_000_000_000_u64))]
    pub annual_dkk: u64,
    #[serde(default)]
    pub items: Vec<BudgetItem>,
}

/// What a budget item buys.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Lever {
    /// Units in a housing segment (`target` = segment name), at the segment's
    /// `unit_cost_per_year`.
    Units,
    /// Support workers (`target` = `cti`, `icm` or `act`), at caseload x client-month cost.
    SupportWorkers,
    /// Programme places (`target` = `ips`, `community` or `treatment`), at
    /// `costs.programme_place_month`.
    Places,
}

/// A support method bought as workers (støttemetode). Its index orders `support.caseload`,
/// `support.workers_national` and `costs.support_month`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SupportKind {
    /// Critical Time Intervention: nine months in three phases (DA §2.1).
    Cti,
    /// Intensive Case Management (ICM, bostøtte).
    Icm,
    /// Assertive Community Treatment (ACT), a team for the most complex needs.
    Act,
}

impl SupportKind {
    pub const ALL: [SupportKind; 3] = [SupportKind::Cti, SupportKind::Icm, SupportKind::Act];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        ["cti", "icm", "act"][self.index()]
    }
}

/// A programme whose places a budget buys. Its index orders `programmes.places_national` and
/// `costs.programme_place_month`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Programme {
    /// Individual Placement and Support (IPS): jobs and education.
    Ips,
    /// A community place (fællesskab): clubs, mentors, peer groups.
    Community,
    /// Psychiatric or substance-use treatment.
    Treatment,
}

impl Programme {
    pub const ALL: [Programme; 3] = [Programme::Ips, Programme::Community, Programme::Treatment];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        ["ips", "community", "treatment"][self.index()]
    }
}

impl ProgrammePlaces {
    /// The value for one programme.
    pub fn of(&self, p: Programme) -> u32 {
        [self.ips, self.community, self.treatment][p.index()]
    }
}

/// What a budget item or a concept component buys, written as one name in a scenario file:
/// a support method (`cti`, `icm`, `act`), a programme (`ips`, `community`, `treatment`), or
/// a housing segment by its name in `[housing.segments]` (which may not be one of those six).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(from = "String", into = "String")]
pub enum Target {
    Support(SupportKind),
    Programme(Programme),
    Segment(String),
}

impl Target {
    /// The names a segment cannot take, since they name methods and programmes.
    pub fn reserved(name: &str) -> bool {
        SupportKind::ALL.iter().any(|k| k.name() == name)
            || Programme::ALL.iter().any(|p| p.name() == name)
    }
}

impl From<String> for Target {
    fn from(name: String) -> Target {
        if let Some(k) = SupportKind::ALL.into_iter().find(|k| k.name() == name) {
            Target::Support(k)
        } else if let Some(p) = Programme::ALL.into_iter().find(|p| p.name() == name) {
            Target::Programme(p)
        } else {
            Target::Segment(name)
        }
    }
}

impl From<Target> for String {
    fn from(t: Target) -> String {
        t.to_string()
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Target::Support(k) => k.name(),
            Target::Programme(p) => p.name(),
            Target::Segment(name) => name,
        })
    }
}

/// Who a programme place reaches: the group its places are filled from, each month while
/// places are free, in row (birth) order. A participant keeps the place for
/// `programmes.duration_months` (a community place only while housed).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Young people as they move into an allocated home (today's practice).
    #[default]
    Rehoused,
    /// Young people who are homeless (sofa, shelter, street).
    Homeless,
    /// Young people at risk of losing their home (`at_risk`).
    AtRisk,
    /// Care leavers aged 18-22 with a home (before aftercare ends at 23).
    CareLeavers,
}

impl Reach {
    pub const ALL: [Reach; 4] = [
        Reach::Rehoused,
        Reach::Homeless,
        Reach::AtRisk,
        Reach::CareLeavers,
    ];
}

/// One purchase from the budget.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BudgetItem {
    pub lever: Lever,
    /// What it buys: a segment for `units`, `cti`/`icm`/`act` for `support_workers`,
    /// `ips`/`community`/`treatment` for `places`.
    #[schemars(with = "String")]
    pub target: Target,
    /// Share of the annual budget spent on this item.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub share: f64,
    /// Who programme places (lever `places`) are for; other levers ignore it.
    #[serde(default)]
    pub reach: Reach,
    /// Municipalities that get what is bought (by name); all when empty.
    #[serde(default)]
    pub municipalities: Vec<String>,
}

/// Unit costs in DKK.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CostParams {
    /// Cost of a shelter (§ 110) stay per person-month.
    #[schemars(range(min = 0, max = 10_000_000))]
    pub shelter_month: u32,
    /// Support per client-month: CTI, ICM, ACT.
    #[schemars(inner(range(min = 0, max = 1_000_000)))]
    pub support_month: [u32; 3],
    /// A programme place per month: IPS, community, treatment.
    pub programme_place_month: ProgrammePlaces,
}

/// The state's refunds of municipal costs (serviceloven §§ 110, 85 a; the reform of 1 October
/// 2023). Dated changes in `history.toml` switch the post-reform rules on.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Refunds {
    /// Share of a shelter (§ 110) stay's cost the state refunds.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub shelter_share: f64,
    /// Days of a shelter stay that are refunded (30 nights a month); 0 = no limit.
    #[schemars(range(min = 0, max = 3650))]
    pub shelter_limit_days: u32,
    /// Share of Housing First support (§ 85 a) the state refunds.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub support_share: f64,
    /// Months of a support course that are refunded.
    #[schemars(range(min = 0, max = 600))]
    pub support_limit_months: u32,
}

/// Moves between municipalities: a keyed monthly draw per person, a destination drawn in
/// proportion to weights, arrival at the start of the next month.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Movement {
    /// Off: nobody moves, and a municipality's results depend only on its own levers.
    pub enabled: bool,
    /// Monthly chance that a young person with an ordinary home (no allocated unit, no support)
    /// moves to another municipality, at ages up to `housed_max_age`.
    #[schemars(transform = probability)]
    pub housed_monthly: f64,
    /// Oldest age (years) of such moves.
    #[schemars(range(min = 18, max = 29))]
    pub housed_max_age: u32,
    /// Monthly chance that a homeless young person (sofa, shelter, street) moves.
    #[schemars(transform = probability)]
    pub homeless_monthly: f64,
    /// Destinations of homeless movers are weighted by 18-29 population to the power
    /// `1 + city_pull`: above 0 they go to the big cities more than the young population does.
    #[schemars(range(min = 0.0, max = 3.0))]
    pub city_pull: f64,
    /// A destination's weight for homeless movers is multiplied by `1 + concept_pull x capacity`
    /// for each concept adopted there at `capacity` (0-1) of its full scale.
    #[schemars(range(min = 0.0, max = 100.0))]
    pub concept_pull: f64,
}

/// How municipalities are put into size classes.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityClasses {
    /// The column that decides the class.
    pub by: ClassBy,
    /// From this many people a municipality is medium.
    #[schemars(range(min = 0, max = 10_000_000))]
    pub medium_from: u32,
    /// From this many people a municipality is large.
    #[schemars(range(min = 0, max = 10_000_000))]
    pub large_from: u32,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClassBy {
    /// Total population.
    Population,
    /// Residents aged 18-29.
    Youth,
}

#[derive(
    Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Small,
    Medium,
    Large,
}

impl SizeClass {
    pub const ALL: [SizeClass; 3] = [SizeClass::Small, SizeClass::Medium, SizeClass::Large];
    pub fn name(self) -> &'static str {
        match self {
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
        }
    }
}

/// A concept (Helt Hjem, the kollegium model, Housing First, 24/7 or a new one) as what it adds
/// to a municipality at full scale.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    #[serde(default)]
    pub description: String,
    /// Its ingredients; the first is its primary offer, whose use is reported as people served.
    pub components: Vec<Component>,
}

/// One ingredient of a concept.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub lever: Lever,
    /// A housing segment, `cti`/`icm`/`act`, or `ips`/`community`/`treatment`, as for budgets.
    #[schemars(with = "String")]
    pub target: Target,
    /// Who programme places reach (lever `places` only).
    #[serde(default)]
    pub reach: Reach,
    /// Units, support workers or places per 10,000 residents aged 18-29 at full scale.
    #[schemars(range(min = 0.0, max = 1000.0))]
    pub per_10k_youth: f64,
    /// One-off cost of establishing one unit, worker or place (training, fitting out), DKK.
    #[serde(default)]
    #[schemars(range(min = 0, max = 100_000_000))]
    pub establishment_dkk: u32,
}

/// Who funds a channel's running costs while its term lasts.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Funder {
    Municipality,
    /// A social-impact investor (DSI, SKF): pays the costs during the term and is paid by the
    /// municipality for outcomes.
    Investor,
    /// A private foundation grant (the Helt Hjem pilots).
    Foundation,
}

/// A delivery and financing channel.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    #[serde(default)]
    pub description: String,
    pub funder: Funder,
    /// Unit costs relative to the municipality's own (external providers' overheads).
    #[schemars(range(min = 0.1, max = 10.0))]
    pub cost_factor: f64,
    /// Months from the start to full capacity (linear).
    #[schemars(range(min = 0, max = 120))]
    pub ramp_months: u32,
    /// Share of clients who get support as designed; the rest get support that does not lower
    /// their risk of losing the home (CTI "fairly implemented").
    #[schemars(range(min = 0.0, max = 1.0))]
    pub fidelity: f64,
    /// Months the funder pays from a municipality's start; afterwards the municipality pays.
    /// 0: the funder pays throughout.
    #[schemars(range(min = 0, max = 600))]
    pub term_months: u32,
    /// What the municipality pays the investor per outcome of a client the concept served.
    #[serde(default)]
    pub outcome_prices: OutcomePrices,
}

/// Prices of outcomes, DKK (the UK Fair Chance Fund's milestones, domain-anchors §3.3).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OutcomePrices {
    /// Still housed 3, 6, 12 and 18 months after moving in.
    #[schemars(range(min = 0, max = 10_000_000))]
    pub housed_3m: u32,
    #[schemars(range(min = 0, max = 10_000_000))]
    pub housed_6m: u32,
    #[schemars(range(min = 0, max = 10_000_000))]
    pub housed_12m: u32,
    #[schemars(range(min = 0, max = 10_000_000))]
    pub housed_18m: u32,
    /// In education or a job 12 months after moving in.
    #[schemars(range(min = 0, max = 10_000_000))]
    pub active_12m: u32,
    /// Per shelter month below the municipality's level in the 12 months before it adopted.
    #[schemars(range(min = 0, max = 10_000_000))]
    pub shelter_month_avoided: u32,
}

/// One rollout plan.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// A name of `[concepts]`.
    pub concept: String,
    /// A name of `[channels]`.
    pub channel: String,
    /// Adopting municipalities by name (in this order for `stagger_months`).
    #[serde(default)]
    pub municipalities: Vec<String>,
    /// Or a rule on the municipality table, applied in the start month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<Select>,
    /// First month of the first adopter, `YYYY-MM`.
    pub start: String,
    /// Months between successive adopters (largest 18-29 population first for a rule).
    #[serde(default)]
    #[schemars(range(min = 0, max = 600))]
    pub stagger_months: u32,
    /// Overrides the channel's ramp-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 120))]
    pub ramp_months: Option<u32>,
    /// Overrides the channel's fidelity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub fidelity: Option<f64>,
    /// Multiplies the concept's capacity at full scale.
    #[serde(default = "one")]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub capacity_factor: f64,
    /// Adopt only once a neighbour or a similar municipality has shown results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion: Option<Diffusion>,
}

fn one() -> f64 {
    1.0
}

/// A rule that chooses municipalities.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// Size classes; all when empty.
    #[serde(default)]
    pub size: Vec<SizeClass>,
    /// Regions (as in the municipality table); all when empty.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Only municipalities with at least this many homeless young people per 1,000 residents
    /// aged 18-29 in the month before the start (the model's own count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1000.0))]
    pub min_rate_per_1000: Option<f64>,
    /// Leave out municipalities that already have the concept (from an earlier plan).
    #[serde(default = "yes")]
    pub exclude_adopters: bool,
    /// Then the N largest by 18-29 population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 255))]
    pub largest: Option<u32>,
}

fn yes() -> bool {
    true
}

/// Where a diffusing municipality looks for results.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DiffusionSource {
    /// Municipalities sharing a border (`data.neighbours`).
    Neighbours,
    /// Municipalities of the same size class and region.
    Similar,
}

/// Adoption after results elsewhere: a candidate adopts in the first month from its scheduled
/// month in which a source municipality has had the concept for `after_months` months and its
/// young homeless count last month was at least `min_reduction` below its count in the month
/// before it adopted.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Diffusion {
    pub from: DiffusionSource,
    #[schemars(range(min = 0, max = 600))]
    pub after_months: u32,
    #[schemars(range(min = 0.0, max = 1.0))]
    pub min_reduction: f64,
}
