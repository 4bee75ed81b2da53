//! The rollout and cost tables of one replicate, shared by `hjemsim run` and the batch's run
//! folders: `rollout.csv` (what each adoption had and served), `costs.csv` (who paid for what),
//! `finance.csv` (each adoption's funding, outcome payments and the investor's net return),
//! `municipalities.csv` (each municipality's end count, size class and adoption), and the
//! summary metrics they add. Money and counts are scaled to national units when written.

use super::scaled;
use crate::engine::ReplicateResult;
use crate::metrics::{ITEMS, PAYERS};
use crate::model::Setup;
use crate::scenario::{Funder, SizeClass};

fn funder_name(f: Funder) -> &'static str {
    match f {
        Funder::Municipality => "municipality",
        Funder::Investor => "investor",
        Funder::Foundation => "foundation",
    }
}

pub const ROLLOUT_HEADER: [&str; 9] = [
    "replicate",
    "month",
    "municipality",
    "concept",
    "channel",
    "capacity",
    "served",
    "fidelity",
    "funder_pays",
];

/// `rollout.csv` rows of one replicate.
pub fn rollout_rows(setup: &Setup, r: &ReplicateResult) -> Vec<Vec<String>> {
    let scale = setup.run.scale;
    let mut out = Vec::new();
    for (month, rows) in &r.rollout {
        for row in rows {
            let e = &setup.rollout.entries[row.entry as usize];
            out.push(vec![
                r.replicate.to_string(),
                month.to_string(),
                setup.municipalities[row.municipality as usize].name.clone(),
                e.concept.clone(),
                e.channel.clone(),
                scaled(row.capacity, scale).to_string(),
                scaled(row.served, scale).to_string(),
                row.fidelity.to_string(),
                row.funder_pays.to_string(),
            ]);
        }
    }
    out
}

pub const COSTS_HEADER: [&str; 6] = ["replicate", "month", "municipality", "payer", "item", "dkk"];

/// `costs.csv` rows of one replicate (non-zero amounts only).
pub fn cost_rows(setup: &Setup, r: &ReplicateResult) -> Vec<Vec<String>> {
    let scale = setup.run.scale;
    let mut out = Vec::new();
    for (month, counts) in &r.months {
        let month = month.to_string();
        for (m, c) in counts.iter().enumerate() {
            for (item, paid) in ITEMS.iter().zip(c.paid()) {
                for (payer, dkk) in PAYERS.iter().zip(paid) {
                    if dkk > 0 {
                        out.push(vec![
                            r.replicate.to_string(),
                            month.clone(),
                            setup.municipalities[m].name.clone(),
                            payer.to_string(),
                            item.to_string(),
                            scaled(dkk, scale).to_string(),
                        ]);
                    }
                }
            }
        }
    }
    out
}

pub const FINANCE_HEADER: [&str; 10] = [
    "replicate",
    "municipality",
    "concept",
    "channel",
    "funder",
    "start",
    "funded_dkk",
    "outcome_payments_dkk",
    "net_return_dkk",
    "municipality_after_term_dkk",
];

/// One adoption's money over the reported months: what its funder paid (the investor's
/// capital), the outcome payments it received and the difference.
#[derive(Clone, Debug, PartialEq)]
pub struct Finance {
    pub municipality: u32,
    pub entry: u32,
    pub funded: u64,
    pub outcomes: u64,
    pub after_term: u64,
}

pub fn finances(r: &ReplicateResult) -> Vec<Finance> {
    let mut out: Vec<Finance> = Vec::new();
    for (_, rows) in &r.rollout {
        for row in rows {
            let i = match out
                .iter()
                .position(|f| f.municipality == row.municipality && f.entry == row.entry)
            {
                Some(i) => i,
                None => {
                    out.push(Finance {
                        municipality: row.municipality,
                        entry: row.entry,
                        funded: 0,
                        outcomes: 0,
                        after_term: 0,
                    });
                    out.len() - 1
                }
            };
            let f = &mut out[i];
            if row.funder_pays {
                f.funded += row.running_dkk;
            } else {
                f.after_term += row.running_dkk;
            }
            f.outcomes += row.outcome_dkk;
        }
    }
    out
}

/// `finance.csv` rows of one replicate.
pub fn finance_rows(setup: &Setup, r: &ReplicateResult) -> Vec<Vec<String>> {
    let scale = setup.run.scale;
    finances(r)
        .into_iter()
        .map(|f| {
            let e = &setup.rollout.entries[f.entry as usize];
            let start = r
                .adoptions
                .iter()
                .find(|a| a.municipality == f.municipality && a.entry == f.entry)
                .map(|a| a.start.to_string())
                .unwrap_or_default();
            let (funded, outcomes) = (scaled(f.funded, scale), scaled(f.outcomes, scale));
            vec![
                r.replicate.to_string(),
                setup.municipalities[f.municipality as usize].name.clone(),
                e.concept.clone(),
                e.channel.clone(),
                funder_name(e.funder).to_string(),
                start,
                funded.to_string(),
                outcomes.to_string(),
                (outcomes as i64 - funded as i64).to_string(),
                scaled(f.after_term, scale).to_string(),
            ]
        })
        .collect()
}

pub const MUNICIPALITIES_HEADER: [&str; 7] = [
    "replicate",
    "municipality",
    "size_class",
    "adopted",
    "first_adoption",
    "homeless_end",
    "homeless_person_months",
];

/// The first adoption month of each municipality in this replicate, if any.
fn first_adoption(setup: &Setup, r: &ReplicateResult) -> Vec<Option<crate::calendar::Month>> {
    let mut first = vec![None; setup.municipalities.len()];
    for a in &r.adoptions {
        let f: &mut Option<crate::calendar::Month> = &mut first[a.municipality as usize];
        if f.is_none_or(|m| a.start < m) {
            *f = Some(a.start);
        }
    }
    first
}

/// `municipalities.csv` rows of one replicate: where the change happens.
pub fn municipality_rows(setup: &Setup, r: &ReplicateResult) -> Vec<Vec<String>> {
    let scale = setup.run.scale;
    let first = first_adoption(setup, r);
    let n = setup.municipalities.len();
    let mut months = vec![0u64; n];
    for (_, counts) in &r.months {
        for (m, c) in counts.iter().enumerate() {
            months[m] += c.homeless();
        }
    }
    let end = r.months.last().map(|(_, c)| c.as_slice()).unwrap_or(&[]);
    (0..n)
        .map(|m| {
            vec![
                r.replicate.to_string(),
                setup.municipalities[m].name.clone(),
                setup.rollout.size_class[m].name().to_string(),
                first[m].is_some().to_string(),
                first[m].map(|x| x.to_string()).unwrap_or_default(),
                scaled(end.get(m).map_or(0, |c| c.homeless()), scale).to_string(),
                scaled(months[m], scale).to_string(),
            ]
        })
        .collect()
}

/// Summary metrics of costs by payer, the investors' money and the rollout's reach.
pub fn metrics(setup: &Setup, r: &ReplicateResult) -> Vec<(String, f64)> {
    let s = |v: u64| v as f64 / setup.run.scale;
    let mut by_payer = [0u64; 4];
    let mut served_end = 0;
    let mut capacity_end = 0;
    let mut moved = 0;
    for (_, counts) in &r.months {
        for c in counts {
            for (b, v) in by_payer.iter_mut().zip(c.paid_by_payer()) {
                *b += v;
            }
            moved += c.moved_out;
        }
    }
    if let Some((_, counts)) = r.months.last() {
        served_end = counts.iter().map(|c| c.rollout_served).sum();
        capacity_end = counts.iter().map(|c| c.rollout_capacity).sum();
    }
    let mut out: Vec<(String, f64)> = PAYERS
        .iter()
        .zip(by_payer)
        .map(|(p, v)| (format!("cost_{p}_dkk"), s(v)))
        .collect();
    out.push(("cost_total_dkk".into(), s(by_payer.iter().sum())));
    let fin = finances(r);
    let investor =
        |f: &&Finance| setup.rollout.entries[f.entry as usize].funder == Funder::Investor;
    let capital: u64 = fin.iter().filter(investor).map(|f| f.funded).sum();
    let outcomes: u64 = fin.iter().filter(investor).map(|f| f.outcomes).sum();
    out.push(("investor_capital_dkk".into(), s(capital)));
    out.push(("outcome_payments_dkk".into(), s(outcomes)));
    out.push(("investor_net_return_dkk".into(), s(outcomes) - s(capital)));
    let housed_12m: u64 = r
        .months
        .iter()
        .flat_map(|(_, c)| c.iter())
        .map(|c| c.concept_housed_12m)
        .sum();
    out.push(("concept_housed_12m".into(), s(housed_12m)));
    out.push(("rollout_capacity_end".into(), s(capacity_end)));
    out.push(("rollout_served_end".into(), s(served_end)));
    out.push(("moves".into(), s(moved)));
    let end = r.months.last().map(|(_, c)| c.as_slice()).unwrap_or(&[]);
    for class in SizeClass::ALL {
        let v: u64 = end
            .iter()
            .enumerate()
            .filter(|(m, _)| setup.rollout.size_class[*m] == class)
            .map(|(_, c)| c.homeless())
            .sum();
        out.push((format!("homeless_end_{}", class.name()), s(v)));
    }
    out
}
