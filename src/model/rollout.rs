//! Concept rollout: which municipalities adopt which concept, when, at what capacity, through
//! which delivery and financing channel (domain-anchors §7.5: "municipality adoption, support
//! capacity and housing procurement switch on, outcome payments by milestone").
//!
//! A [`Plan`] is prepared once per run from the scenario's `[[rollout]]` entries: each concept's
//! capacity at full scale per municipality, the channel's ramp-up, fidelity, term, unit costs and
//! outcome prices. Which municipality adopts in which month is replicate state ([`Adoptions`]):
//! rules that read the model's counts (a homelessness rate, results in a neighbour) are decided
//! between months from the counts of the month before, so municipalities still never read each
//! other within a month. An adoption adds capacity to its municipality's levers, ramping up
//! linearly to full scale; nothing is added before its start month.

use crate::calendar::Month;
use crate::data::Municipality;
use crate::metrics::MonthCounts;
use crate::scenario::{
    ClassBy, DiffusionSource, Funder, OutcomePrices, Scenario, Select, SizeClass, Target,
};

/// Where a component's capacity goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Units of a housing segment (index in name order).
    Units(usize),
    /// Client slots of a support method (0 CTI, 1 ICM, 2 ACT).
    Support(usize),
    /// Places of a programme pool ([`super::pool`]).
    Places(usize),
}

/// One ingredient of a concept, prepared for every municipality.
#[derive(Clone, Debug)]
pub struct Component {
    pub slot: Slot,
    /// Capacity at full scale per municipality (agent units: units, client slots, places).
    pub full: Vec<u32>,
    /// What one unit, slot or place costs a month through this channel, DKK.
    pub month_dkk: u64,
    /// One-off cost of establishing one, DKK.
    pub establishment_dkk: u64,
}

/// One `[[rollout]]` entry, prepared.
#[derive(Clone, Debug)]
pub struct Entry {
    pub concept: String,
    pub channel: String,
    pub components: Vec<Component>,
    pub funder: Funder,
    pub ramp_months: u32,
    pub fidelity: f64,
    /// Months the funder pays; 0 = throughout.
    pub term_months: u32,
    pub prices: OutcomePrices,
    pub start: Month,
    pub stagger_months: u32,
    /// Named adopters, in order.
    pub named: Vec<u32>,
    pub select: Option<Select>,
    pub diffusion: Option<crate::scenario::Diffusion>,
}

impl Entry {
    /// Share of full capacity in `month` for an adoption that started in `start` (0 before it).
    pub fn ramp(&self, start: Month, month: Month) -> (u32, u32) {
        if month < start {
            return (0, 1);
        }
        let since = (month.0 - start.0 + 1) as u32;
        if self.ramp_months == 0 || since >= self.ramp_months {
            (1, 1)
        } else {
            (since, self.ramp_months)
        }
    }

    /// Capacity of component `k` in municipality `m` in `month`, for an adoption from `start`.
    pub fn capacity(&self, k: usize, m: usize, start: Month, month: Month) -> u32 {
        let (num, den) = self.ramp(start, month);
        (self.components[k].full[m] as u64 * num as u64 / den as u64) as u32
    }

    /// Whether the funder (rather than the municipality) pays in `month`.
    pub fn funder_pays(&self, start: Month, month: Month) -> bool {
        self.term_months == 0 || ((month.0 - start.0) as u32) < self.term_months
    }
}

/// The rollout plans of a run, prepared.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub entries: Vec<Entry>,
    pub size_class: Vec<SizeClass>,
    pub region: Vec<String>,
    pub neighbours: Vec<Vec<u32>>,
    /// Residents aged 18-29 (the table), for rates and "the N largest".
    pub youth: Vec<u32>,
    pub scale: f64,
}

/// The size class of a municipality.
pub fn size_class(s: &Scenario, m: &Municipality) -> SizeClass {
    let c = &s.municipality_classes;
    let v = match c.by {
        ClassBy::Population => m.population,
        ClassBy::Youth => m.population_18_29,
    };
    if v >= c.large_from {
        SizeClass::Large
    } else if v >= c.medium_from {
        SizeClass::Medium
    } else {
        SizeClass::Small
    }
}

impl Plan {
    /// Prepares the scenario's rollout entries (validated: concepts, channels, months and
    /// municipality names exist).
    pub fn new(s: &Scenario, municipalities: &[Municipality], scale: f64) -> Plan {
        let mut entries = Vec::new();
        for r in &s.rollout {
            let concept = &s.concepts[&r.concept];
            let channel = &s.channels[&r.channel];
            let factor = channel.cost_factor;
            let components = concept
                .components
                .iter()
                .map(|c| {
                    let (slot, per_unit, month_cost) = match &c.target {
                        Target::Segment(name) => {
                            let seg = &s.housing.segments[name];
                            let idx = s
                                .housing
                                .segments
                                .keys()
                                .position(|n| n == name)
                                .expect("validated target");
                            (Slot::Units(idx), 1.0, seg.unit_cost_per_year as f64 / 12.0)
                        }
                        Target::Support(k) => {
                            let k = k.index();
                            let caseload = s.support.caseload[k] as f64;
                            (Slot::Support(k), caseload, s.costs.support_month[k] as f64)
                        }
                        Target::Programme(p) => (
                            Slot::Places(super::pool(p.index(), c.reach)),
                            1.0,
                            s.costs.programme_place_month.of(*p) as f64,
                        ),
                    };
                    // Whole units, slots and places in agent units: per 10,000 young residents
                    // x capacity factor (x caseload for workers) x run scale.
                    let full = municipalities
                        .iter()
                        .map(|m| {
                            (c.per_10k_youth * m.population_18_29 as f64 / 10_000.0
                                * r.capacity_factor
                                * per_unit
                                * scale)
                                .round() as u32
                        })
                        .collect();
                    Component {
                        slot,
                        full,
                        month_dkk: (month_cost * factor).floor() as u64,
                        establishment_dkk: (c.establishment_dkk as f64 / per_unit * factor).floor()
                            as u64,
                    }
                })
                .collect();
            let named = r
                .municipalities
                .iter()
                .map(|n| {
                    municipalities
                        .iter()
                        .position(|m| &m.name == n)
                        .expect("checked in Setup::new") as u32
                })
                .collect();
            entries.push(Entry {
                concept: r.concept.clone(),
                channel: r.channel.clone(),
                components,
                funder: channel.funder,
                ramp_months: r.ramp_months.unwrap_or(channel.ramp_months),
                fidelity: r.fidelity.unwrap_or(channel.fidelity),
                term_months: channel.term_months,
                prices: channel.outcome_prices,
                start: Month::parse(&r.start).expect("validated month"),
                stagger_months: r.stagger_months,
                named,
                select: r.select.clone(),
                diffusion: r.diffusion,
            });
        }
        Plan {
            entries,
            size_class: municipalities.iter().map(|m| size_class(s, m)).collect(),
            region: municipalities.iter().map(|m| m.region.clone()).collect(),
            neighbours: municipalities
                .iter()
                .map(|m| m.neighbours.clone())
                .collect(),
            youth: municipalities.iter().map(|m| m.population_18_29).collect(),
            scale,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One municipality's adoption of one plan entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adoption {
    pub entry: u32,
    pub municipality: u32,
    pub start: Month,
    /// Shelter guests summed over the 12 months before the start (agent units).
    pub shelter_before_12: u64,
    /// Young homeless at the end of the month before the start.
    pub homeless_before: u64,
}

/// Who has adopted what, in one replicate; decided between months.
#[derive(Clone, Debug, Default)]
pub struct Adoptions {
    /// By municipality, in the order they were adopted.
    pub by_municipality: Vec<Vec<Adoption>>,
    /// Candidates waiting for their scheduled month or for a diffusion condition:
    /// (entry, municipality, scheduled month).
    pending: Vec<(u32, u32, Month)>,
    /// Entries whose candidates have been chosen.
    chosen: Vec<bool>,
    /// The last 12 months' shelter guests and the last month's homeless, per municipality.
    shelter_last: Vec<[u64; 12]>,
    homeless_last: Vec<u64>,
    months_seen: u32,
}

impl Adoptions {
    pub fn new(plan: &Plan, municipalities: usize) -> Adoptions {
        Adoptions {
            by_municipality: vec![Vec::new(); municipalities],
            pending: Vec::new(),
            chosen: vec![false; plan.entries.len()],
            shelter_last: vec![[0; 12]; municipalities],
            homeless_last: vec![0; municipalities],
            months_seen: 0,
        }
    }

    fn has_concept(&self, plan: &Plan, m: usize, concept: &str) -> bool {
        self.by_municipality[m]
            .iter()
            .any(|a| plan.entries[a.entry as usize].concept == concept)
    }

    /// Decides the adoptions that start in `month`, from the counts of the months before.
    pub fn begin_month(&mut self, plan: &Plan, month: Month) {
        if plan.is_empty() {
            return;
        }
        for (e, entry) in plan.entries.iter().enumerate() {
            if self.chosen[e] || month < entry.start {
                continue;
            }
            self.chosen[e] = true;
            let candidates: Vec<u32> = match &entry.select {
                None => entry.named.clone(),
                Some(sel) => self.select(plan, sel, &entry.concept),
            };
            for (k, m) in candidates.into_iter().enumerate() {
                let scheduled = entry.start.offset((k as u32 * entry.stagger_months) as i32);
                self.pending.push((e as u32, m, scheduled));
            }
        }
        let mut still = Vec::with_capacity(self.pending.len());
        for (e, m, scheduled) in std::mem::take(&mut self.pending) {
            let entry = &plan.entries[e as usize];
            if scheduled > month {
                still.push((e, m, scheduled));
                continue;
            }
            let start = match &entry.diffusion {
                // Without diffusion the ramp runs from the scheduled month, even when the run
                // began later.
                None => scheduled,
                Some(d) if self.results_shown(plan, m as usize, entry, d, month) => month,
                Some(_) => {
                    still.push((e, m, scheduled));
                    continue;
                }
            };
            let mi = m as usize;
            self.by_municipality[mi].push(Adoption {
                entry: e,
                municipality: m,
                start,
                shelter_before_12: self.shelter_last[mi].iter().sum(),
                homeless_before: self.homeless_last[mi],
            });
        }
        self.pending = still;
    }

    /// Municipalities chosen by a rule, largest 18-29 population first.
    fn select(&self, plan: &Plan, sel: &Select, concept: &str) -> Vec<u32> {
        let mut chosen: Vec<u32> = (0..plan.youth.len() as u32)
            .filter(|&m| {
                let mi = m as usize;
                (sel.size.is_empty() || sel.size.contains(&plan.size_class[mi]))
                    && (sel.regions.is_empty() || sel.regions.contains(&plan.region[mi]))
                    && !(sel.exclude_adopters && self.has_concept(plan, mi, concept))
                    && sel.min_rate_per_1000.is_none_or(|r| {
                        // The model's count in agent units against the scaled young population.
                        let youth = plan.youth[mi] as f64 * plan.scale;
                        youth > 0.0 && self.homeless_last[mi] as f64 * 1000.0 / youth >= r
                    })
            })
            .collect();
        chosen.sort_by(|&a, &b| {
            plan.youth[b as usize]
                .cmp(&plan.youth[a as usize])
                .then(a.cmp(&b))
        });
        if let Some(n) = sel.largest {
            chosen.truncate(n as usize);
        }
        chosen
    }

    /// Whether a source municipality of `m` has had the concept for the stated time and shows
    /// the stated fall in its young homeless count.
    fn results_shown(
        &self,
        plan: &Plan,
        m: usize,
        entry: &Entry,
        d: &crate::scenario::Diffusion,
        month: Month,
    ) -> bool {
        let sources: Vec<u32> = match d.from {
            DiffusionSource::Neighbours => plan.neighbours[m].clone(),
            DiffusionSource::Similar => (0..plan.youth.len() as u32)
                .filter(|&s| {
                    s as usize != m
                        && plan.size_class[s as usize] == plan.size_class[m]
                        && plan.region[s as usize] == plan.region[m]
                })
                .collect(),
        };
        sources.into_iter().any(|s| {
            self.by_municipality[s as usize].iter().any(|a| {
                plan.entries[a.entry as usize].concept == entry.concept
                    && month.0 - a.start.0 >= d.after_months as i32
                    && (self.homeless_last[s as usize] as f64)
                        <= (1.0 - d.min_reduction) * a.homeless_before as f64
            })
        })
    }

    /// Remembers a month's counts for the rules of the months after.
    pub fn end_month(&mut self, counts: &[MonthCounts]) {
        let slot = (self.months_seen % 12) as usize;
        for (m, c) in counts.iter().enumerate() {
            self.shelter_last[m][slot] = c.shelter;
            self.homeless_last[m] = c.homeless();
        }
        self.months_seen += 1;
    }
}

/// What one adoption did in one month: a row of `rollout.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutRow {
    pub municipality: u32,
    pub entry: u32,
    /// Capacity of the concept's primary offer (its first component), agent units.
    pub capacity: u64,
    /// People using that capacity at the end of the month.
    pub served: u64,
    pub fidelity: f64,
    /// What the funder paid this month (the municipality after the term).
    pub running_dkk: u64,
    pub funder_pays: bool,
    /// Outcome payments the municipality made to this adoption's investor this month.
    pub outcome_dkk: u64,
}

/// Capacity the adoptions of a municipality add in `month`, by slot kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Added {
    pub units: Vec<u32>,
    pub support: [u32; 3],
    pub places: [u32; super::POOLS],
    /// Capacity-weighted fidelity of the added support slots, per method (1 without any).
    pub support_fidelity: [f64; 3],
}

/// Sums the capacity of a municipality's adoptions in `month`.
pub fn added(
    plan: &Plan,
    adoptions: &[Adoption],
    m: usize,
    segments: usize,
    month: Month,
) -> Added {
    let mut out = Added {
        units: vec![0; segments],
        support_fidelity: [1.0; 3],
        ..Added::default()
    };
    let mut weighted = [0.0f64; 3];
    for a in adoptions {
        let entry = &plan.entries[a.entry as usize];
        for (k, comp) in entry.components.iter().enumerate() {
            let q = entry.capacity(k, m, a.start, month);
            match comp.slot {
                Slot::Units(s) => out.units[s] += q,
                Slot::Support(k) => {
                    out.support[k] += q;
                    weighted[k] += q as f64 * entry.fidelity;
                }
                Slot::Places(p) => out.places[p] += q,
            }
        }
    }
    for ((f, w), n) in out
        .support_fidelity
        .iter_mut()
        .zip(weighted)
        .zip(out.support)
    {
        if n > 0 {
            *f = w / n as f64;
        }
    }
    out
}
