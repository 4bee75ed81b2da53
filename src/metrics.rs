//! What is counted each month in each municipality. Declared once, here: the struct, the CSV
//! columns and the sums all come from the one list in [`month_counts!`].
//!
//! Counts are integers in agent units; they are scaled back to national units (divided by
//! `run.scale`) only when written. Sums over municipalities and months are integer sums, so their
//! order cannot change a result.

macro_rules! month_counts {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Counts of one municipality in one month (or a sum of such counts).
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct MonthCounts {
            $($(#[$doc])* pub $name: u64,)*
        }

        impl MonthCounts {
            /// Column names, in CSV order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($name)),*];

            /// Values in [`Self::COLUMNS`] order.
            pub fn values(&self) -> Vec<u64> {
                vec![$(self.$name),*]
            }

            /// Adds `other` to `self`, column by column.
            pub fn add(&mut self, other: &MonthCounts) {
                $(self.$name += other.$name;)*
            }
        }
    };
}

month_counts! {
    /// People at the start of the month.
    population_start,
    /// 18-year-olds who entered.
    entries_18,
    /// People who turned 30 and left.
    exits_age30,
    /// Deaths.
    deaths,
    /// People at the end of the month.
    population_end,
    housed,
    at_risk,
    institution,
    sofa,
    shelter,
    street,
    /// Homeless, accepted an offer, waiting to move in.
    offer_pending,
    housed_supported,
    after_support,
    /// New homelessness spells (sum of the routes below).
    homeless_entries,
    /// Spells from sudden loss of home (eviction, family breakdown) without a prior risk state.
    entries_direct,
    /// Spells from the at-risk state.
    entries_at_risk,
    /// Spells within 12 months of leaving care at 18 or aftercare at 23.
    entries_care_exit,
    /// Spells straight after a psychiatric discharge or prison release.
    entries_discharge,
    /// Returns to homelessness after an earlier exit (a route of its own).
    entries_return,
    /// Self-resolved exits (family, market, student housing).
    exits_self,
    /// Exits through a municipal housing offer (move-ins).
    exits_allocation,
    /// Deaths while homeless (part of `deaths`).
    deaths_homeless,
    /// Municipal allocation slots open to homeless young people this month.
    vacancies,
    offers,
    acceptances,
    refusals,
    /// Homeless young people on the municipal list after this month's offers began.
    queue_length,
    /// Youth shelter beds.
    shelter_beds,
    /// Units in the allocation segments.
    stock_units,
    /// Units in those segments occupied by (or reserved for) rehoused young people.
    occupied_units,
    /// Homeless by age band and situation (point-in-time, end of month).
    sofa_18_24,
    shelter_18_24,
    street_18_24,
    other_18_24,
    sofa_25_29,
    shelter_25_29,
    street_25_29,
    other_25_29,
    /// Support courses started (CTI, ICM, ACT; step-ups included).
    support_starts,
    /// Support courses ended (CTI completed, home lost, death, ageing out).
    support_ends,
    /// CTI clients stepped up to ICM at the end of the course.
    step_ups,
    /// Rehoused people waiting for a support slot.
    support_waiting,
    cti_phase_1,
    cti_phase_2,
    cti_phase_3,
    /// CTI courses completed (nine months).
    cti_completions,
    /// CTI clients past the end of their course (always 0 when the model is right).
    cti_overdue,
    /// CTI courses that ended because the client lost the home.
    cti_losses,
    icm_clients,
    act_clients,
    /// Client slots (workers x caseload): CTI, ICM, ACT.
    support_capacity_cti,
    support_capacity_icm,
    support_capacity_act,
    /// Homeless at the end of the month by time in the current spell: under 6 months, over 12
    /// months; and those with a care history (VIVE's duration and background patterns).
    homeless_under_6m,
    homeless_over_12m,
    homeless_care_history,
    /// Home-based and street ties summed over the homeless at the end of the month (divide by
    /// the homeless count for ties per person).
    home_ties_homeless,
    street_ties_homeless,
    /// Programme places taken up by people moving in (IPS, community, treatment).
    programme_joins,
    ips_participants,
    community_participants,
    treatment_participants,
    /// Ties made by community programmes.
    community_ties,
    /// Activity and health of everyone present at the end of the month.
    neet,
    in_education,
    in_job,
    psychiatric,
    substance,
    /// Shelter cost this month, DKK.
    shelter_cost_dkk,
    /// Support cost this month, DKK.
    support_cost_dkk,
    /// What the scenario's budget pays this month for what it bought, DKK.
    budget_spend_dkk,
    /// Young people who moved to another municipality this month (they arrive there at the
    /// start of the next month), and those who arrived here at the end of this month.
    moved_out,
    moved_in,
    /// Shelter nights refunded by the state this month (before the refund share).
    shelter_refund_nights,
    /// Support clients within the months the state refunds.
    support_refund_clients,
    /// Rollout capacity of the concepts' primary offers and people using it (end of month).
    rollout_capacity,
    rollout_served,
    /// Clients served by a rollout still housed 3, 6, 12, 18 months after moving in, and in
    /// education or a job at 12 months (outcomes an investor is paid for).
    concept_housed_3m,
    concept_housed_6m,
    concept_housed_12m,
    concept_housed_18m,
    concept_active_12m,
    /// Shelter months below the level of the 12 months before an investor's adoption.
    concept_shelter_avoided,
    /// People whose last exit from homelessness was 12 months ago, by how it came about (on
    /// their own; through the municipality with no support, CTI, ICM or ACT), and of them those
    /// still housed: the 12-month follow-up of rehousing by support.
    followup_12m_self,
    followup_12m_none,
    followup_12m_cti,
    followup_12m_icm,
    followup_12m_act,
    housed_12m_self,
    housed_12m_none,
    housed_12m_cti,
    housed_12m_icm,
    housed_12m_act,
    /// Costs by item (gross), DKK: support (own clients, bought workers and rollout slots),
    /// rent subsidies of bought units, programme places, one-off establishment (capital),
    /// outcome payments. Shelter's gross cost is `shelter_cost_dkk`.
    spend_support_dkk,
    spend_rent_subsidy_dkk,
    spend_programme_places_dkk,
    spend_capital_dkk,
    spend_outcome_payments_dkk,
    /// Who pays each item, DKK (`costs.csv` lists them by payer and item).
    paid_shelter_municipality_dkk,
    paid_shelter_state_dkk,
    paid_support_municipality_dkk,
    paid_support_state_dkk,
    paid_support_investor_dkk,
    paid_support_foundation_dkk,
    paid_rent_subsidy_municipality_dkk,
    paid_rent_subsidy_investor_dkk,
    paid_rent_subsidy_foundation_dkk,
    paid_programme_places_municipality_dkk,
    paid_programme_places_investor_dkk,
    paid_programme_places_foundation_dkk,
    paid_capital_municipality_dkk,
    paid_capital_investor_dkk,
    paid_capital_foundation_dkk,
    paid_outcome_payments_municipality_dkk,
}

/// Payers, in output order.
pub const PAYERS: [&str; 4] = ["municipality", "state", "investor", "foundation"];
/// Cost items, in output order.
pub const ITEMS: [&str; 6] = [
    "shelter_nights",
    "support_months",
    "rent_subsidy",
    "programme_places",
    "capital",
    "outcome_payments",
];

impl MonthCounts {
    /// The gross cost of each item ([`ITEMS`] order).
    pub fn spend(&self) -> [u64; 6] {
        [
            self.shelter_cost_dkk,
            self.spend_support_dkk,
            self.spend_rent_subsidy_dkk,
            self.spend_programme_places_dkk,
            self.spend_capital_dkk,
            self.spend_outcome_payments_dkk,
        ]
    }

    /// Who paid each item: `[item][payer]` in [`ITEMS`] x [`PAYERS`] order.
    pub fn paid(&self) -> [[u64; 4]; 6] {
        [
            [
                self.paid_shelter_municipality_dkk,
                self.paid_shelter_state_dkk,
                0,
                0,
            ],
            [
                self.paid_support_municipality_dkk,
                self.paid_support_state_dkk,
                self.paid_support_investor_dkk,
                self.paid_support_foundation_dkk,
            ],
            [
                self.paid_rent_subsidy_municipality_dkk,
                0,
                self.paid_rent_subsidy_investor_dkk,
                self.paid_rent_subsidy_foundation_dkk,
            ],
            [
                self.paid_programme_places_municipality_dkk,
                0,
                self.paid_programme_places_investor_dkk,
                self.paid_programme_places_foundation_dkk,
            ],
            [
                self.paid_capital_municipality_dkk,
                0,
                self.paid_capital_investor_dkk,
                self.paid_capital_foundation_dkk,
            ],
            [self.paid_outcome_payments_municipality_dkk, 0, 0, 0],
        ]
    }

    /// What each payer paid ([`PAYERS`] order).
    pub fn paid_by_payer(&self) -> [u64; 4] {
        let mut out = [0; 4];
        for row in self.paid() {
            for (o, v) in out.iter_mut().zip(row) {
                *o += v;
            }
        }
        out
    }
}

impl MonthCounts {
    /// Homeless at the end of the month, all situations.
    pub fn homeless(&self) -> u64 {
        self.sofa + self.shelter + self.street + self.offer_pending
    }

    /// Sum of the state counts; equals `population_end` when the books balance.
    pub fn state_total(&self) -> u64 {
        self.housed
            + self.at_risk
            + self.institution
            + self.homeless()
            + self.housed_supported
            + self.after_support
    }

    pub fn homeless_18_24(&self) -> u64 {
        self.sofa_18_24 + self.shelter_18_24 + self.street_18_24 + self.other_18_24
    }

    pub fn homeless_25_29(&self) -> u64 {
        self.sofa_25_29 + self.shelter_25_29 + self.street_25_29 + self.other_25_29
    }
}

/// The conservation and capacity checks of DESIGN.md, for one municipality-month.
/// Returns the first broken rule, if any.
pub fn check_books(c: &MonthCounts) -> Result<(), String> {
    if c.population_start + c.entries_18
        != c.population_end + c.exits_age30 + c.deaths + c.moved_out
    {
        return Err(format!(
            "people in + entries - exits - moves out != people out: {} + {} - {} - {} - {} != {}",
            c.population_start,
            c.entries_18,
            c.exits_age30,
            c.deaths,
            c.moved_out,
            c.population_end
        ));
    }
    for (item, (spend, paid)) in ITEMS.iter().zip(c.spend().iter().zip(c.paid())) {
        if *spend != paid.iter().sum::<u64>() {
            return Err(format!(
                "{item}: paid by payers {} != spent {spend}",
                paid.iter().sum::<u64>()
            ));
        }
    }
    if c.rollout_served > c.rollout_capacity {
        return Err(format!(
            "rollout served {} exceed its capacity {}",
            c.rollout_served, c.rollout_capacity
        ));
    }
    if c.state_total() != c.population_end {
        return Err(format!(
            "state counts sum to {} but {} people are present",
            c.state_total(),
            c.population_end
        ));
    }
    if c.homeless() != c.homeless_18_24() + c.homeless_25_29() {
        return Err("homeless by age band does not add up".into());
    }
    if c.shelter > c.shelter_beds {
        return Err(format!(
            "shelter {} exceeds beds {}",
            c.shelter, c.shelter_beds
        ));
    }
    if c.occupied_units > c.stock_units {
        return Err(format!(
            "occupied units {} exceed stock {}",
            c.occupied_units, c.stock_units
        ));
    }
    if c.acceptances > c.vacancies {
        return Err(format!(
            "acceptances {} exceed vacancies {}",
            c.acceptances, c.vacancies
        ));
    }
    if c.acceptances + c.refusals != c.offers {
        return Err("offers are not accepted or refused".into());
    }
    if c.neet + c.in_education + c.in_job != c.population_end {
        return Err("activity counts do not add up to the population".into());
    }
    let cti = c.cti_phase_1 + c.cti_phase_2 + c.cti_phase_3;
    for (name, clients, capacity) in [
        ("CTI", cti, c.support_capacity_cti),
        ("ICM", c.icm_clients, c.support_capacity_icm),
        ("ACT", c.act_clients, c.support_capacity_act),
    ] {
        if clients > capacity {
            return Err(format!(
                "{name} clients {clients} exceed capacity {capacity}"
            ));
        }
    }
    if c.cti_overdue > 0 {
        return Err(format!(
            "{} CTI clients are past the end of their course",
            c.cti_overdue
        ));
    }
    if cti + c.icm_clients + c.act_clients + c.cti_overdue != c.housed_supported {
        return Err("support clients do not add up to those housed with support".into());
    }
    let routes = c.entries_direct
        + c.entries_at_risk
        + c.entries_care_exit
        + c.entries_discharge
        + c.entries_return;
    if routes != c.homeless_entries {
        return Err("entry routes do not add up to entries".into());
    }
    Ok(())
}

/// The week-6 count situations, in output order (VIVE's categories, with "other" for those who
/// have accepted a home and wait to move in).
pub const SITUATIONS: [&str; 4] = ["sofa", "shelter", "street", "other"];

/// One row of the national week-6 count.
#[derive(Clone, Debug, PartialEq)]
pub struct PitRow {
    pub year: i32,
    pub age_band: &'static str,
    pub situation: &'static str,
    /// Scaled back to national units.
    pub count: u64,
}

/// How an exit from homelessness came about, in the order of the `followup_12m_*` counts and of
/// `People::rehoused_with` (`model::support::REHOUSED_SELF`, `rehoused_by`).
pub const REHOUSED_KINDS: [&str; 5] = ["self", "none", "cti", "icm", "act"];

/// The national monthly series of a run, in national units: the youth homeless count and where
/// they sleep, and support by CTI phase, ICM, ACT and waiting. `series.csv` and the report's
/// charts over time read these.
pub const SERIES: [&str; 10] = [
    "homeless",
    "sofa",
    "shelter",
    "street",
    "cti_phase_1",
    "cti_phase_2",
    "cti_phase_3",
    "icm_clients",
    "act_clients",
    "support_waiting",
];

/// One month of [`SERIES`], in that order.
pub type SeriesRow = [f64; SERIES.len()];

/// The national values of [`SERIES`] in every reported month.
pub fn national_series(
    months: &[(crate::calendar::Month, Vec<MonthCounts>)],
    scale: f64,
) -> Vec<(crate::calendar::Month, SeriesRow)> {
    months
        .iter()
        .map(|(month, counts)| {
            let mut n = MonthCounts::default();
            for c in counts {
                n.add(c);
            }
            let row = [
                n.homeless(),
                n.sofa,
                n.shelter,
                n.street,
                n.cti_phase_1,
                n.cti_phase_2,
                n.cti_phase_3,
                n.icm_clients,
                n.act_clients,
                n.support_waiting,
            ]
            .map(|v| v as f64 / scale);
            (*month, row)
        })
        .collect()
}

/// The national measures of one replicate: its week-6 counts and its summary metrics, in a fixed
/// order, scaled back to national units.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicateSummary {
    pub pit: Vec<PitRow>,
    pub metrics: Vec<(String, f64)>,
}

/// Computes the national measures of one replicate from its monthly counts.
pub fn replicate_summary(
    months: &[(crate::calendar::Month, Vec<MonthCounts>)],
    scale: f64,
) -> ReplicateSummary {
    let scaled = |v: u64| scaled(v, scale);
    let s = |v: u64| v as f64 / scale;
    let mut pit = Vec::new();
    let mut metrics: Vec<(String, f64)> = Vec::new();
    let mut totals = MonthCounts::default();
    let mut homeless_months = 0u64;
    let mut last = MonthCounts::default();
    let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    for (month, counts) in months {
        let mut national = MonthCounts::default();
        for c in counts {
            national.add(c);
        }
        totals.add(&national);
        homeless_months += national.homeless();
        if month.is_count_month() {
            let y = month.year();
            let bands = [
                (
                    "18-24",
                    [
                        national.sofa_18_24,
                        national.shelter_18_24,
                        national.street_18_24,
                        national.other_18_24,
                    ],
                ),
                (
                    "25-29",
                    [
                        national.sofa_25_29,
                        national.shelter_25_29,
                        national.street_25_29,
                        national.other_25_29,
                    ],
                ),
            ];
            for (age_band, values) in bands {
                for (situation, v) in SITUATIONS.iter().zip(values) {
                    pit.push(PitRow {
                        year: y,
                        age_band,
                        situation,
                        count: scaled(v),
                    });
                }
            }
            let young = s(national.homeless_18_24());
            let older = s(national.homeless_25_29());
            metrics.push((format!("pit_18_29_{y}"), young + older));
            metrics.push((format!("pit_18_24_{y}"), young));
            metrics.push((format!("pit_25_29_{y}"), older));
            // Shares, for the patterns of VIVE's counts: where 18-24s sleep, how long the
            // young homeless have been homeless, and how many were placed in care.
            let young_n = national.homeless_18_24();
            let all_n = national.homeless();
            for (name, v) in [
                ("sofa", national.sofa_18_24),
                ("shelter", national.shelter_18_24),
                ("street", national.street_18_24),
            ] {
                metrics.push((format!("{name}_share_18_24_{y}"), per(v, young_n)));
            }
            metrics.push((
                format!("under_6m_share_{y}"),
                per(national.homeless_under_6m, all_n),
            ));
            metrics.push((
                format!("over_12m_share_{y}"),
                per(national.homeless_over_12m, all_n),
            ));
            metrics.push((
                format!("care_history_share_{y}"),
                per(national.homeless_care_history, all_n),
            ));
        }
        last = national;
    }
    for (name, value) in [
        ("homeless_end", s(last.homeless())),
        ("homeless_person_months", s(homeless_months)),
        ("homeless_entries", s(totals.homeless_entries)),
        ("entries_return", s(totals.entries_return)),
        ("exits_self", s(totals.exits_self)),
        ("exits_allocation", s(totals.exits_allocation)),
        ("offers", s(totals.offers)),
        ("refusals", s(totals.refusals)),
        ("shelter_cost_dkk", s(totals.shelter_cost_dkk)),
        ("support_cost_dkk", s(totals.support_cost_dkk)),
        ("budget_spend_dkk", s(totals.budget_spend_dkk)),
        ("support_starts", s(totals.support_starts)),
        ("cti_completions", s(totals.cti_completions)),
        // Danish CTI courses: 3 % of clients lost the home during the course (DA §2.2).
        (
            "cti_loss_share",
            per(
                totals.cti_losses,
                totals.cti_losses + totals.cti_completions,
            ),
        ),
        ("support_waiting_end", s(last.support_waiting)),
        ("programme_joins", s(totals.programme_joins)),
        ("neet_share_end", per(last.neet, last.population_end)),
        (
            "home_ties_per_homeless_end",
            per(last.home_ties_homeless, last.homeless()),
        ),
        (
            "street_ties_per_homeless_end",
            per(last.street_ties_homeless, last.homeless()),
        ),
    ] {
        metrics.push((name.to_string(), value));
    }
    // The 12-month follow-up of rehousing, by how it came about.
    let followups = [
        (totals.followup_12m_self, totals.housed_12m_self),
        (totals.followup_12m_none, totals.housed_12m_none),
        (totals.followup_12m_cti, totals.housed_12m_cti),
        (totals.followup_12m_icm, totals.housed_12m_icm),
        (totals.followup_12m_act, totals.housed_12m_act),
    ];
    for (kind, (followed, kept)) in REHOUSED_KINDS.iter().zip(followups) {
        metrics.push((format!("rehoused_12m_{kind}"), s(followed)));
        metrics.push((format!("housed_12m_share_{kind}"), per(kept, followed)));
    }
    ReplicateSummary { pit, metrics }
}

/// A count in agent units scaled back to national units.
pub fn scaled(raw: u64, scale: f64) -> u64 {
    if scale == 1.0 {
        raw
    } else {
        (raw as f64 / scale).round() as u64
    }
}
