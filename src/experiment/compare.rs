//! The batch tables: `summary.csv` (per scenario and metric), `comparison.csv` (per scenario
//! against the baseline: the paired difference with its 95 % interval, and the unpaired interval
//! beside it so the gain from common random numbers is visible), `pit_counts.csv` and
//! `manifest.json`. Everything is read back from the run folders in batch order.

use std::path::Path;

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::batch::Plan;
use crate::output::OutputError;
use crate::output::manifest::git_revision;
use crate::output::manifest::{InputFile, target};
use crate::stats::summarize;

/// A metric's values, one per replicate, in replicate order.
pub type Series = Vec<(String, Vec<f64>)>;

pub(crate) fn read_metrics(path: &Path) -> Result<Vec<(String, f64)>, OutputError> {
    let mut out = Vec::new();
    for row in crate::output::read_csv(path)? {
        let value: f64 = row[1].parse().map_err(|e| {
            OutputError::new(
                format!("reading {}", path.display()),
                std::io::Error::other(format!("bad value `{}`: {e}", &row[1])),
            )
        })?;
        out.push((row[0].to_string(), value));
    }
    Ok(out)
}

/// Mean difference and its 95 % interval, paired (per replicate) and unpaired (Welch), and the
/// range of one replicate's paired difference (2.5 % and 97.5 % quantiles, linear between order
/// statistics). With posterior draws, that range is the effect's 95 % credible range: it holds
/// what we do not know about the parameters as well as the dice, while the intervals of the
/// mean shrink with more replicates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    pub mean: f64,
    pub paired: (f64, f64),
    pub unpaired: (f64, f64),
    pub range: (f64, f64),
}

/// The `q` quantile of `values` (type 7: linear between order statistics).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * q;
    let (i, f) = (h.floor() as usize, h - h.floor());
    if i + 1 < v.len() {
        v[i] + f * (v[i + 1] - v[i])
    } else {
        v[i]
    }
}

/// Compares `x` with the baseline `b` (same replicates, same luck).
pub fn difference(x: &[f64], b: &[f64]) -> Difference {
    let d: Vec<f64> = x.iter().zip(b).map(|(a, c)| a - c).collect();
    let paired = summarize(&d);
    let mean = paired.mean;
    let paired_ci = (
        paired.ci_low.unwrap_or(mean),
        paired.ci_high.unwrap_or(mean),
    );
    let (sx, sb) = (summarize(x), summarize(b));
    let unpaired = match (sx.sd, sb.sd) {
        (Some(a), Some(c)) if a > 0.0 || c > 0.0 => {
            let (vx, vb) = (a * a / x.len() as f64, c * c / b.len() as f64);
            let se = (vx + vb).sqrt();
            // Welch-Satterthwaite degrees of freedom.
            let df = (vx + vb).powi(2)
                / (vx * vx / (x.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
            let t = StudentsT::new(0.0, 1.0, df)
                .expect("positive degrees of freedom")
                .inverse_cdf(0.975);
            (mean - t * se, mean + t * se)
        }
        _ => paired_ci,
    };
    Difference {
        mean,
        paired: paired_ci,
        unpaired,
        range: (quantile(&d, 0.025), quantile(&d, 0.975)),
    }
}

pub(crate) fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
    crate::output::write_atomic(&dir.join(name), bytes)
}

/// Every variant's metrics, one value per replicate, read back from the run folders.
pub fn read_series(plan: &Plan, dir: &Path) -> Result<Vec<Series>, OutputError> {
    let runs_dir = dir.join("runs");
    let mut series: Vec<Series> = vec![Vec::new(); plan.variants.len()];
    for spec in &plan.runs {
        for (k, (metric, value)) in read_metrics(&runs_dir.join(&spec.id).join("metrics.csv"))?
            .into_iter()
            .enumerate()
        {
            let s = &mut series[spec.variant];
            if spec.replicate == 0 {
                s.push((metric, vec![value]));
            } else {
                s[k].1.push(value);
            }
        }
    }
    Ok(series)
}

/// The widest paired 95 % half-width on `metric` over the scenarios compared with the baseline,
/// or `None` if no run reports that metric.
pub fn widest_half_width(series: &[Series], metric: &str) -> Option<f64> {
    let base = &series.first()?.iter().find(|(m, _)| m == metric)?.1;
    let mut widest = 0.0f64;
    for s in &series[1..] {
        let values = &s.iter().find(|(m, _)| m == metric)?.1;
        let d = difference(values, base);
        widest = widest.max((d.paired.1 - d.paired.0) / 2.0);
    }
    Some(widest)
}

/// How a batch (or a merge) ran, for the runtime block of its manifest.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchRuntime {
    pub threads: usize,
    pub wall_seconds: f64,
    pub executed: usize,
    pub reused: usize,
}

/// Writes the batch tables from the run folders.
pub fn write_tables(plan: &Plan, dir: &Path, runtime: BatchRuntime) -> Result<(), OutputError> {
    let runs_dir = dir.join("runs");
    let series = read_series(plan, dir)?;
    let mut pit_rows = vec![vec![
        "scenario".to_string(),
        "replicate".into(),
        "year".into(),
        "age_band".into(),
        "situation".into(),
        "count".into(),
    ]];
    for spec in &plan.runs {
        let label = &plan.variants[spec.variant].label;
        let run = runs_dir.join(&spec.id);
        for row in crate::output::read_csv(&run.join("pit_counts.csv"))? {
            let mut out = vec![label.clone(), spec.replicate.to_string()];
            out.extend(row.iter().map(String::from));
            pit_rows.push(out);
        }
    }

    let mut summary = vec![vec![
        "scenario".to_string(),
        "metric".into(),
        "mean".into(),
        "sd".into(),
        "ci95_low".into(),
        "ci95_high".into(),
        "replicates".into(),
    ]];
    for (v, s) in series.iter().enumerate() {
        for (metric, values) in s {
            let mut row = vec![plan.variants[v].label.clone(), metric.clone()];
            row.extend(summarize(values).csv_fields());
            summary.push(row);
        }
    }

    let mut comparison = vec![vec![
        "scenario".to_string(),
        "baseline".into(),
        "metric".into(),
        "mean_difference".into(),
        "ci95_low".into(),
        "ci95_high".into(),
        "unpaired_ci95_low".into(),
        "unpaired_ci95_high".into(),
        "range95_low".into(),
        "range95_high".into(),
        "replicates".into(),
    ]];
    let baseline = &plan.variants[0].label;
    for (v, s) in series.iter().enumerate().skip(1) {
        for ((metric, values), (_, base)) in s.iter().zip(&series[0]) {
            let d = difference(values, base);
            comparison.push(vec![
                plan.variants[v].label.clone(),
                baseline.clone(),
                metric.clone(),
                d.mean.to_string(),
                d.paired.0.to_string(),
                d.paired.1.to_string(),
                d.unpaired.0.to_string(),
                d.unpaired.1.to_string(),
                d.range.0.to_string(),
                d.range.1.to_string(),
                values.len().to_string(),
            ]);
        }
    }

    let mut series_table = vec![crate::output::SERIES_HEADER.map(String::from).to_vec()];
    for (v, variant) in plan.variants.iter().enumerate() {
        let replicates = plan
            .runs
            .iter()
            .filter(|r| r.variant == v)
            .map(|r| read_run_series(&runs_dir.join(&r.id).join("series.csv")))
            .collect::<Result<Vec<_>, _>>()?;
        series_table.extend(crate::output::series_rows(&variant.label, &replicates));
    }

    let variants: Vec<(&str, &crate::scenario::Scenario, &[std::path::PathBuf])> = plan
        .variants
        .iter()
        .enumerate()
        .map(|(v, x)| {
            (
                x.label.as_str(),
                plan.prepared[v].scenario(),
                plan.prepared[v].files(),
            )
        })
        .collect();

    write_file(dir, "summary.csv", &crate::output::csv_bytes(summary))?;
    write_file(dir, "series.csv", &crate::output::csv_bytes(series_table))?;
    write_file(
        dir,
        "assumptions.csv",
        &crate::output::csv_bytes(crate::output::assumptions::rows(&variants)),
    )?;
    write_file(
        dir,
        "municipality_effects.csv",
        &crate::output::csv_bytes(municipality_effects(plan, &runs_dir)?),
    )?;
    write_file(dir, "comparison.csv", &crate::output::csv_bytes(comparison))?;
    write_file(dir, "pit_counts.csv", &crate::output::csv_bytes(pit_rows))?;
    write_file(
        dir,
        "rollout_groups.csv",
        &crate::output::csv_bytes(rollout_groups(plan, &runs_dir)?),
    )?;
    write_file(
        dir,
        "cost_effectiveness.csv",
        &crate::output::csv_bytes(cost_effectiveness(plan, &series)),
    )?;

    let mut outputs = Vec::new();
    for name in [
        "summary.csv",
        "comparison.csv",
        "pit_counts.csv",
        "series.csv",
        "rollout_groups.csv",
        "municipality_effects.csv",
        "cost_effectiveness.csv",
        "assumptions.csv",
        "history.csv",
    ] {
        // history.csv is there only when the batch checks history.
        if name != "history.csv" || plan.file.history_check.is_some() {
            outputs.push(InputFile::of(&dir.join(name), name.to_string())?);
        }
    }
    let manifest = serde_json::json!({
        "hjemsim_version": env!("CARGO_PKG_VERSION"),
        "git_revision": git_revision(),
        "target": target(),
        "batch": plan.file,
        "batch_file": InputFile::of(&plan.path, plan.path.display().to_string())?,
        "scenarios": plan.variants.iter().zip(&plan.digests).zip(&plan.prepared).map(|((v, digest), prepared)| serde_json::json!({
            "label": v.label,
            "description": prepared.scenario().description,
            "file": v.path.display().to_string(),
            "sets": v.sets,
            "digest": digest,
        })).collect::<Vec<_>>(),
        "runs": plan.runs.iter().map(|r| serde_json::json!({
            "id": r.id,
            "scenario": plan.variants[r.variant].label,
            "replicate": r.replicate,
        })).collect::<Vec<_>>(),
        "outputs": outputs,
        "runtime": {
            "threads": runtime.threads,
            "wall_seconds": runtime.wall_seconds,
            "runs_executed": runtime.executed,
            "runs_reused": runtime.reused,
            "peak_rss_kb": crate::output::peak_rss_kb(),
        },
    });
    let mut json = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
    json.push('\n');
    write_file(dir, "manifest.json", json.as_bytes())
}

/// One municipality's end of run, from a run folder's `municipalities.csv`.
struct MunicipalityEnd {
    name: String,
    size_class: String,
    adopted: bool,
    first_adoption: String,
    homeless_end: f64,
    homeless_months: f64,
}

fn read_municipalities(path: &Path) -> Result<Vec<MunicipalityEnd>, OutputError> {
    let mut out = Vec::new();
    for row in crate::output::read_csv(path)? {
        let num = |i: usize| row[i].parse::<f64>().unwrap_or(f64::NAN);
        out.push(MunicipalityEnd {
            name: row[0].to_string(),
            size_class: row[1].to_string(),
            adopted: &row[2] == "true",
            first_adoption: row[3].to_string(),
            homeless_end: num(4),
            homeless_months: num(5),
        });
    }
    Ok(out)
}

/// One replicate's municipalities in a scenario and in the baseline.
type ReplicatePair = (Vec<MunicipalityEnd>, Vec<MunicipalityEnd>);

/// Each replicate's municipalities in variant `v` beside the same replicate of the baseline.
fn paired_municipalities(
    plan: &Plan,
    runs_dir: &Path,
    v: usize,
) -> Result<Vec<ReplicatePair>, OutputError> {
    let read = |id: &str| read_municipalities(&runs_dir.join(id).join("municipalities.csv"));
    let mut pairs = Vec::new();
    for spec in plan.runs.iter().filter(|s| s.variant == v) {
        let base = plan
            .runs
            .iter()
            .find(|b| b.variant == 0 && b.replicate == spec.replicate);
        if let Some(base) = base {
            pairs.push((read(&spec.id)?, read(&base.id)?));
        }
    }
    Ok(pairs)
}

/// `rollout_groups.csv`: where a scenario's change against the baseline happens, paired per
/// replicate: in the municipalities that adopt something in the scenario but not in the
/// baseline (the new adopters), in the rest, and by size class.
fn rollout_groups(plan: &Plan, runs_dir: &Path) -> Result<Vec<Vec<String>>, OutputError> {
    let mut rows = vec![
        [
            "scenario",
            "baseline",
            "group",
            "municipalities",
            "homeless_end_difference",
            "ci95_low",
            "ci95_high",
            "homeless_months_difference",
            "months_ci95_low",
            "months_ci95_high",
            "replicates",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let groups = ["new_adopters", "rest", "small", "medium", "large"];
    for v in 1..plan.variants.len() {
        // Per group: paired differences per replicate, and the group's size in replicate 0.
        let mut end: Vec<Vec<f64>> = vec![Vec::new(); groups.len()];
        let mut months: Vec<Vec<f64>> = vec![Vec::new(); groups.len()];
        let mut size = vec![0usize; groups.len()];
        for (k, (x, b)) in paired_municipalities(plan, runs_dir, v)?
            .into_iter()
            .enumerate()
        {
            for (g, name) in groups.iter().enumerate() {
                let member = |m: usize| match *name {
                    "new_adopters" => x[m].adopted && !b[m].adopted,
                    "rest" => !x[m].adopted || b[m].adopted,
                    class => x[m].size_class == class,
                };
                let ms: Vec<usize> = (0..x.len().min(b.len())).filter(|&m| member(m)).collect();
                if k == 0 {
                    size[g] = ms.len();
                }
                end[g].push(
                    ms.iter()
                        .map(|&m| x[m].homeless_end - b[m].homeless_end)
                        .sum(),
                );
                months[g].push(
                    ms.iter()
                        .map(|&m| x[m].homeless_months - b[m].homeless_months)
                        .sum(),
                );
            }
        }
        for (g, name) in groups.iter().enumerate() {
            let (e, mo) = (summarize(&end[g]), summarize(&months[g]));
            rows.push(vec![
                plan.variants[v].label.clone(),
                plan.variants[0].label.clone(),
                name.to_string(),
                size[g].to_string(),
                e.mean.to_string(),
                e.ci_low.unwrap_or(e.mean).to_string(),
                e.ci_high.unwrap_or(e.mean).to_string(),
                mo.mean.to_string(),
                mo.ci_low.unwrap_or(mo.mean).to_string(),
                mo.ci_high.unwrap_or(mo.mean).to_string(),
                end[g].len().to_string(),
            ]);
        }
    }
    Ok(rows)
}

/// A batch run folder's `series.csv`: one row per month, the columns of [`crate::metrics::SERIES`].
fn read_run_series(
    path: &Path,
) -> Result<Vec<(crate::calendar::Month, crate::metrics::SeriesRow)>, OutputError> {
    let bad = |what: String| {
        OutputError::new(
            format!("reading {}", path.display()),
            std::io::Error::other(what),
        )
    };
    let mut out = Vec::new();
    for row in crate::output::read_csv(path)? {
        let month = crate::calendar::Month::parse(&row[0])
            .ok_or_else(|| bad(format!("bad month `{}`", &row[0])))?;
        let mut values = [0.0; crate::metrics::SERIES.len()];
        for (j, v) in values.iter_mut().enumerate() {
            let field = row.get(j + 1).unwrap_or("");
            *v = field
                .parse()
                .map_err(|_| bad(format!("bad value `{field}` in column {}", j + 2)))?;
        }
        out.push((month, values));
    }
    Ok(out)
}

/// `municipality_effects.csv`: for scenarios where a municipality adopts something (in the
/// scenario or its baseline), each municipality's share of replicates adopting, its median
/// first adoption month, and its paired change in homeless months and in the end count.
fn municipality_effects(plan: &Plan, runs_dir: &Path) -> Result<Vec<Vec<String>>, OutputError> {
    let mut rows = vec![
        [
            "scenario",
            "baseline",
            "municipality",
            "size_class",
            "adopted_share",
            "first_adoption",
            "homeless_months_difference",
            "ci95_low",
            "ci95_high",
            "homeless_end_difference",
            "replicates",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for v in 1..plan.variants.len() {
        let pairs = paired_municipalities(plan, runs_dir, v)?;
        let any = pairs
            .iter()
            .any(|(x, b)| x.iter().chain(b).any(|m| m.adopted));
        let Some((first, _)) = pairs.first().filter(|_| any) else {
            continue;
        };
        for (m, muni) in first.iter().enumerate() {
            let months: Vec<f64> = pairs
                .iter()
                .map(|(x, b)| x[m].homeless_months - b[m].homeless_months)
                .collect();
            let end: Vec<f64> = pairs
                .iter()
                .map(|(x, b)| x[m].homeless_end - b[m].homeless_end)
                .collect();
            let mut starts: Vec<&str> = pairs
                .iter()
                .filter(|(x, _)| x[m].adopted)
                .map(|(x, _)| x[m].first_adoption.as_str())
                .collect();
            // Months as YYYY-MM sort as text; the lower median.
            starts.sort_unstable();
            let median = starts
                .get(starts.len().saturating_sub(1) / 2)
                .copied()
                .unwrap_or("");
            let d = summarize(&months);
            rows.push(vec![
                plan.variants[v].label.clone(),
                plan.variants[0].label.clone(),
                muni.name.clone(),
                muni.size_class.clone(),
                (starts.len() as f64 / pairs.len() as f64).to_string(),
                median.to_string(),
                d.mean.to_string(),
                d.ci_low.unwrap_or(d.mean).to_string(),
                d.ci_high.unwrap_or(d.mean).to_string(),
                summarize(&end).mean.to_string(),
                pairs.len().to_string(),
            ]);
        }
    }
    Ok(rows)
}

/// `cost_effectiveness.csv`: each payer's extra cost against the paired baseline, per homeless
/// month avoided and per person a rollout kept housed for 12 months (means of paired
/// differences; empty where nothing was avoided).
fn cost_effectiveness(plan: &Plan, series: &[Series]) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "scenario",
            "baseline",
            "payer",
            "cost_difference_dkk",
            "ci95_low",
            "ci95_high",
            "homeless_months_avoided",
            "dkk_per_homeless_month_avoided",
            "housed_12m_difference",
            "dkk_per_person_housed_12m",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let get = |s: &Series, m: &str| s.iter().find(|(k, _)| k == m).map(|(_, v)| v.clone());
    let Some(base) = series.first() else {
        return rows;
    };
    for (v, s) in series.iter().enumerate().skip(1) {
        let (Some(hm), Some(hb)) = (
            get(s, "homeless_person_months"),
            get(base, "homeless_person_months"),
        ) else {
            continue;
        };
        let avoided = -difference(&hm, &hb).mean;
        let housed = match (
            get(s, "concept_housed_12m"),
            get(base, "concept_housed_12m"),
        ) {
            (Some(a), Some(b)) => difference(&a, &b).mean,
            _ => 0.0,
        };
        for payer in ["municipality", "state", "investor", "foundation", "total"] {
            let metric = format!("cost_{payer}_dkk");
            let (Some(x), Some(b)) = (get(s, &metric), get(base, &metric)) else {
                continue;
            };
            let d = difference(&x, &b);
            let per = |n: f64| {
                if n > 0.0 {
                    (d.mean / n).round().to_string()
                } else {
                    String::new()
                }
            };
            rows.push(vec![
                plan.variants[v].label.clone(),
                plan.variants[0].label.clone(),
                payer.to_string(),
                d.mean.round().to_string(),
                d.paired.0.round().to_string(),
                d.paired.1.round().to_string(),
                avoided.to_string(),
                per(avoided),
                housed.to_string(),
                per(housed),
            ]);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_removes_the_shared_noise() {
        // The baseline varies a lot between replicates; the policy shifts each by about -10.
        let b = [100.0, 140.0, 90.0, 160.0, 120.0];
        let x = [91.0, 129.0, 81.0, 150.0, 109.0];
        let d = difference(&x, &b);
        assert!((d.mean - (-10.0)).abs() < 1e-9);
        let paired = d.paired.1 - d.paired.0;
        let unpaired = d.unpaired.1 - d.unpaired.0;
        assert!(d.paired.1 < 0.0, "paired interval excludes 0: {d:?}");
        assert!(
            d.unpaired.0 < 0.0 && d.unpaired.1 > 0.0,
            "unpaired includes 0"
        );
        assert!(paired * 10.0 < unpaired, "{paired} vs {unpaired}");
    }

    #[test]
    fn the_range_holds_the_spread_of_single_differences() {
        // Differences -9, -11, -10, -8, -11 (sorted -11 -11 -10 -9 -8): 2.5 % at h = 0.1,
        // 97.5 % at h = 3.9.
        let b = [100.0, 140.0, 90.0, 160.0, 120.0];
        let x = [91.0, 129.0, 80.0, 152.0, 109.0];
        let d = difference(&x, &b);
        assert!((d.range.0 - (-11.0)).abs() < 1e-12, "{d:?}");
        assert!((d.range.1 - (-8.1)).abs() < 1e-12, "{d:?}");
        assert_eq!(quantile(&[3.0], 0.975), 3.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
