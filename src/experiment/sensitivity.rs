//! `hjemsim sensitivity SPEC`: which parameters the answers depend on. Morris screening
//! (elementary effects, Morris 1991, with μ* of Campolongo et al. 2007) over all listed
//! parameters, then Sobol indices for the few that matter most (first order by Saltelli et al.
//! 2010, total order by Jansen 1999), on named outputs: a metric of the base scenario, and each
//! compared scenario's effect on it (its paired difference from the base, same seed).
//!
//! Every design point is a batch variant, so the design runs on the batch engine: parallel,
//! resumable (`--resume`), the same bytes for a seed. Common random numbers make an elementary
//! effect exact zero for a parameter that does not touch an output, which is why screening
//! with one replicate per point can rank such a parameter last.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::batch::{BatchFile, Variant};
use super::calibrate::{Distribution, Prior};
use super::compare::write_file;
use crate::error::Error;
use crate::output::csv_bytes;
use crate::prepare::{Progress, prepare};
use crate::scenario::timeline::{KeyKind, kind_of};

/// A sensitivity specification (`scenarios/sensitivity/*.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensitivitySpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The base scenario, relative to this file.
    pub scenario: String,
    /// Scenarios whose effect against the base is an output (relative to this file).
    #[serde(default)]
    pub compare: Vec<String>,
    /// Metrics of the runs analysed (and, per compared scenario, its effect on each).
    pub outputs: Vec<String>,
    pub replicates: u32,
    pub seed: u64,
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    pub morris: MorrisSettings,
    pub sobol: SobolSettings,
    pub parameters: Vec<SensitivityParameter>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MorrisSettings {
    /// r: trajectories, each k + 1 points.
    pub trajectories: u32,
    /// p: grid levels per parameter (even).
    pub levels: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SobolSettings {
    /// How many of the top Morris parameters get Sobol indices (0 = none).
    pub top: u32,
    /// N: base samples; the design has N (k + 2) points.
    pub samples: u32,
}

/// A parameter and its range: a prior, or a spread around the scenario's value (0.5 = ±50 %).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensitivityParameter {
    pub key: String,
    #[serde(default)]
    pub prior: Option<Prior>,
    #[serde(default)]
    pub spread: Option<f64>,
}

/// Options of `hjemsim sensitivity`.
#[derive(Clone, Debug)]
pub struct SensitivityOptions {
    pub spec: PathBuf,
    pub out: PathBuf,
    pub threads: usize,
    pub resume: bool,
    pub progress: Progress,
    /// Run only this shard's runs, waiting for the others' in the shared folder.
    pub shard: Option<super::shard::Shard>,
}

/// One row of `sensitivity.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Index {
    pub method: &'static str,
    pub output: String,
    pub parameter: String,
    /// Morris: μ*, μ* over the output's sd, σ. Sobol: first and total order.
    pub values: [f64; 3],
    pub rank: usize,
}

/// What a finished analysis reports back.
#[derive(Clone, Debug)]
pub struct SensitivityReport {
    pub dir: PathBuf,
    pub indices: Vec<Index>,
    /// Parameters by their largest normalized μ* over the compared scenarios' effects (or over
    /// all outputs without compared scenarios), most influential first.
    pub ranking: Vec<(String, f64)>,
    pub runs: usize,
    pub executed: usize,
    pub wall_seconds: f64,
}

fn invalid(path: &Path, key: &str, message: String) -> Error {
    super::files::invalid(path, key, message, None)
}

/// A parameter's range on the sampling scale (log for log-uniform).
#[derive(Clone, Debug)]
struct Range {
    key: String,
    kind: KeyKind,
    log: bool,
    lo: f64,
    hi: f64,
}

impl Range {
    fn value(&self, u: f64) -> f64 {
        let x = self.lo + (self.hi - self.lo) * u;
        if self.log { x.exp() } else { x }
    }

    fn set(&self, u: f64) -> String {
        let v = self.value(u);
        match self.kind {
            KeyKind::Integer => format!("{}={}", self.key, v.round() as i64),
            KeyKind::Float => format!("{}={v:?}", self.key),
        }
    }
}

/// Whether a TOML file is a sensitivity specification (it has `morris`).
pub fn is_sensitivity_file(path: &Path) -> bool {
    super::files::has_keys(path, &["morris"])
}

/// Reads and checks a sensitivity file (keys and ranges are checked when it runs, before any
/// run starts).
pub fn read_spec(path: &Path) -> Result<SensitivitySpec, Error> {
    let spec: SensitivitySpec = super::files::read_toml(path, "sensitivity file")?;
    super::files::check_name(path, &spec.name)?;
    let fail = |key: &str, m: String| Err(invalid(path, key, m));
    if !(1..=100).contains(&spec.replicates) {
        return fail(
            "replicates",
            format!("{}; allowed: 1 to 100", spec.replicates),
        );
    }
    if !(1..=1000).contains(&spec.morris.trajectories) {
        return fail(
            "morris.trajectories",
            format!("{}; allowed: 1 to 1000", spec.morris.trajectories),
        );
    }
    if spec.morris.levels < 2 || !spec.morris.levels.is_multiple_of(2) || spec.morris.levels > 100 {
        return fail(
            "morris.levels",
            format!(
                "{}; allowed: an even number from 2 to 100",
                spec.morris.levels
            ),
        );
    }
    if spec.sobol.top as usize > spec.parameters.len() || spec.sobol.samples > 100_000 {
        return fail(
            "sobol",
            "top is more than the parameters, or samples over 100000".into(),
        );
    }
    if spec.sobol.top > 0 && spec.sobol.samples < 2 {
        return fail("sobol.samples", "allowed: at least 2 with top > 0".into());
    }
    if spec.parameters.len() < 2 || spec.outputs.is_empty() {
        return fail(
            "parameters",
            "allowed: at least two parameters and one output".into(),
        );
    }
    Ok(spec)
}

/// `hjemsim sensitivity`: Morris over all parameters, Sobol over the top few.
pub fn sensitivity(opts: &SensitivityOptions) -> Result<SensitivityReport, Error> {
    let started = Instant::now();
    let spec = read_spec(&opts.spec)?;
    let dir_of_spec = opts.spec.parent().unwrap_or(Path::new("."));
    let base = dir_of_spec.join(&spec.scenario);
    let scenarios: Vec<PathBuf> = std::iter::once(base.clone())
        .chain(spec.compare.iter().map(|c| dir_of_spec.join(c)))
        .collect();
    let mut common: Vec<String> = spec.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
    common.push(format!("run.replicates={}", spec.replicates));
    common.push(format!("run.seed={}", spec.seed));
    let (_, setup) = prepare(&base, &common)?;

    // Ranges, checked at both ends in every scenario before anything runs.
    let mut ranges = Vec::new();
    for (i, p) in spec.parameters.iter().enumerate() {
        let key = format!("parameters[{i}]");
        let kind = kind_of(&setup.scenario, &p.key)
            .map_err(|m| invalid(&opts.spec, &key, format!("`{}` {m}", p.key)))?;
        let (lo, hi, log) = match (&p.prior, p.spread) {
            (Some(pr), None) => match pr.distribution {
                Distribution::Uniform => (pr.min, pr.max, false),
                Distribution::LogUniform if pr.min > 0.0 => (pr.min.ln(), pr.max.ln(), true),
                Distribution::LogUniform => {
                    return Err(invalid(
                        &opts.spec,
                        &key,
                        "log_uniform needs min > 0".into(),
                    ));
                }
            },
            (None, Some(s)) if s > 0.0 && s < 1.0 => {
                let v = current_value(&setup.scenario, &p.key).ok_or_else(|| {
                    invalid(&opts.spec, &key, format!("`{}` has no value", p.key))
                })?;
                (v * (1.0 - s), v * (1.0 + s), false)
            }
            _ => {
                return Err(invalid(
                    &opts.spec,
                    &key,
                    "allowed: either `prior` or `spread` (between 0 and 1)".into(),
                ));
            }
        };
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(invalid(
                &opts.spec,
                &key,
                format!("empty range [{lo}, {hi}]"),
            ));
        }
        let range = Range {
            key: p.key.clone(),
            kind,
            log,
            lo,
            hi,
        };
        for u in [0.0, 1.0] {
            for s in &scenarios {
                let mut sets = common.clone();
                sets.push(range.set(u));
                prepare(s, &sets).map_err(|e| {
                    invalid(
                        &opts.spec,
                        &key,
                        format!("{} gives an invalid scenario: {e}", range.set(u)),
                    )
                })?;
            }
        }
        ranges.push(range);
    }
    let dir = opts.out.join(&spec.name);
    let runs_dir = dir.join("runs");
    super::prepare_runs_dir(&runs_dir, opts.resume, opts.shard)?;
    let pool = crate::prepare::thread_pool(opts.threads)?;
    let batch = BatchFile {
        name: spec.name.clone(),
        description: spec.description.clone(),
        baseline: spec.scenario.clone(),
        scenarios: spec.compare.clone(),
        replicates: spec.replicates,
        seed: spec.seed,
        set: spec.set.clone(),
        monthly: false,
        sweeps: Vec::new(),
        posterior: None,
        history_check: None,
    };
    let mut executed = 0usize;
    let mut total_runs = 0usize;
    // Outputs of design points given as unit-cube coordinates (a parameter missing from a point
    // keeps the base scenario's value): per point, the named outputs.
    let output_names: Vec<String> = spec
        .outputs
        .iter()
        .cloned()
        .chain(
            spec.compare
                .iter()
                .enumerate()
                .flat_map(|(c, _)| spec.outputs.iter().map(move |o| format!("effect{c}:{o}"))),
        )
        .collect();
    let labels: Vec<String> = {
        let mut l = spec.outputs.clone();
        for c in &spec.compare {
            let (_, s) = prepare(&dir_of_spec.join(c), &common)?;
            for o in &spec.outputs {
                l.push(format!("{} effect on {o}", s.scenario.name));
            }
        }
        l
    };
    let mut evaluate = |design: &str,
                        points: &[Vec<(usize, f64)>]|
     -> Result<Vec<Vec<f64>>, Error> {
        let mut variants = Vec::new();
        for (k, point) in points.iter().enumerate() {
            for (c, s) in scenarios.iter().enumerate() {
                let mut sets = common.clone();
                sets.extend(point.iter().map(|&(i, u)| ranges[i].set(u)));
                variants.push(Variant {
                    label: format!("{design}{k}-s{c}"),
                    path: s.clone(),
                    sets,
                });
            }
        }
        total_runs += variants.len() * spec.replicates as usize;
        let bar = crate::prepare::progress_bar(
            opts.progress,
            (variants.len() * spec.replicates as usize) as u64,
            &format!("{} {design}", spec.name),
            "runs",
        );
        let runner = super::PointRunner {
            pool: &pool,
            runs_dir: &runs_dir,
            batch: &batch,
            origin: &opts.spec,
            shard: opts.shard,
        };
        let metrics = super::run_points(&runner, variants, &bar, &mut executed)?;
        bar.finish_and_clear();
        let get = |m: &BTreeMap<String, f64>, name: &str| -> Result<f64, Error> {
            m.get(name).copied().ok_or_else(|| {
                invalid(
                    &opts.spec,
                    "outputs",
                    format!("`{name}` is not a metric of the runs; allowed: a metric of a run's metrics.csv"),
                )
            })
        };
        let per = scenarios.len();
        let mut out = Vec::with_capacity(points.len());
        for k in 0..points.len() {
            let base = &metrics[k * per];
            let mut row = Vec::with_capacity(output_names.len());
            for o in &spec.outputs {
                row.push(get(base, o)?);
            }
            for c in 1..per {
                for o in &spec.outputs {
                    row.push(get(&metrics[k * per + c], o)? - get(base, o)?);
                }
            }
            out.push(row);
        }
        Ok(out)
    };

    // Morris: r trajectories of k + 1 points on a p-level grid, steps of Δ = p / (2 (p - 1)).
    let k = ranges.len();
    let p = spec.morris.levels as usize;
    let delta = p as f64 / (2.0 * (p as f64 - 1.0));
    let mut rng = crate::rng::municipal_rng(
        crate::rng::ReplicateKey::new(spec.seed, 0),
        500,
        0,
        crate::rng::Decision::SensitivityDesign as u32,
    );
    let mut points: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut steps: Vec<(usize, usize, usize)> = Vec::new(); // (from point, to point, parameter)
    for _ in 0..spec.morris.trajectories {
        // A base point whose coordinates can all move up by Δ.
        let mut x: Vec<f64> = (0..k)
            .map(|_| rng.random_range(0..p / 2) as f64 / (p as f64 - 1.0))
            .collect();
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        points.push(x.iter().copied().enumerate().collect());
        for &i in &order {
            x[i] += delta;
            points.push(x.iter().copied().enumerate().collect());
            steps.push((points.len() - 2, points.len() - 1, i));
        }
    }
    let y = evaluate("m", &points)?;
    let outputs = output_names.len();
    let mut indices = Vec::new();
    let mut mu_norm = vec![vec![0.0; k]; outputs];
    for o in 0..outputs {
        let all: Vec<f64> = y.iter().map(|r| r[o]).collect();
        let sd = crate::stats::summarize(&all).sd.unwrap_or(0.0);
        let mut rows = Vec::new();
        for (i, norm_slot) in mu_norm[o].iter_mut().enumerate() {
            let ee: Vec<f64> = steps
                .iter()
                .filter(|s| s.2 == i)
                .map(|&(a, b, _)| (y[b][o] - y[a][o]) / delta)
                .collect();
            let mu_star = ee.iter().map(|e| e.abs()).sum::<f64>() / ee.len() as f64;
            let sigma = crate::stats::summarize(&ee).sd.unwrap_or(0.0);
            let norm = if sd > 0.0 { mu_star / sd } else { 0.0 };
            *norm_slot = norm;
            rows.push((i, [mu_star, norm, sigma]));
        }
        rows.sort_by(|a, b| b.1[0].total_cmp(&a.1[0]).then(a.0.cmp(&b.0)));
        for (rank, (i, values)) in rows.into_iter().enumerate() {
            indices.push(Index {
                method: "morris",
                output: labels[o].clone(),
                parameter: ranges[i].key.clone(),
                values,
                rank: rank + 1,
            });
        }
    }
    // The ranking that matters: effects of the compared scenarios if any, else every output.
    let ranked_outputs: Vec<usize> = if spec.compare.is_empty() {
        (0..outputs).collect()
    } else {
        (spec.outputs.len()..outputs).collect()
    };
    let mut ranking: Vec<(usize, f64)> = (0..k)
        .map(|i| {
            let m = ranked_outputs
                .iter()
                .map(|&o| mu_norm[o][i])
                .fold(0.0, f64::max);
            (i, m)
        })
        .collect();
    ranking.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

    // Sobol on the top parameters; the others stay at the base scenario's values.
    let top: Vec<usize> = ranking
        .iter()
        .take(spec.sobol.top as usize)
        .map(|r| r.0)
        .collect();
    if !top.is_empty() {
        let n = spec.sobol.samples as usize;
        let d = top.len();
        let a: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
            .collect();
        let b: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
            .collect();
        let as_point =
            |u: &[f64]| -> Vec<(usize, f64)> { top.iter().zip(u).map(|(&i, &x)| (i, x)).collect() };
        let mut design: Vec<Vec<(usize, f64)>> = Vec::new();
        design.extend(a.iter().map(|u| as_point(u)));
        design.extend(b.iter().map(|u| as_point(u)));
        for j in 0..d {
            for r in 0..n {
                let mut u = a[r].clone();
                u[j] = b[r][j];
                design.push(as_point(&u));
            }
        }
        let ys = evaluate("s", &design)?;
        for o in 0..outputs {
            let fa: Vec<f64> = (0..n).map(|r| ys[r][o]).collect();
            let fb: Vec<f64> = (0..n).map(|r| ys[n + r][o]).collect();
            let both: Vec<f64> = fa.iter().chain(&fb).copied().collect();
            let var = crate::stats::summarize(&both).sd.unwrap_or(0.0).powi(2);
            let mut rows = Vec::new();
            for j in 0..d {
                let fab: Vec<f64> = (0..n).map(|r| ys[2 * n + j * n + r][o]).collect();
                let (s1, st) = if var > 0.0 {
                    let s1 = (0..n).map(|r| fb[r] * (fab[r] - fa[r])).sum::<f64>() / n as f64 / var;
                    let st = (0..n).map(|r| (fa[r] - fab[r]).powi(2)).sum::<f64>()
                        / (2.0 * n as f64)
                        / var;
                    (s1, st)
                } else {
                    (0.0, 0.0)
                };
                rows.push((top[j], [s1, st, var]));
            }
            rows.sort_by(|x, y| y.1[1].total_cmp(&x.1[1]).then(x.0.cmp(&y.0)));
            for (rank, (i, values)) in rows.into_iter().enumerate() {
                indices.push(Index {
                    method: "sobol",
                    output: labels[o].clone(),
                    parameter: ranges[i].key.clone(),
                    values,
                    rank: rank + 1,
                });
            }
        }
    }

    // sensitivity.csv and ranking.csv.
    let mut rows = vec![
        [
            "method",
            "output",
            "parameter",
            "rank",
            "mu_star",
            "mu_star_over_sd",
            "sigma",
            "first_order",
            "total_order",
            "output_variance",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for ix in &indices {
        let [a, b, c] = ix.values.map(|v| v.to_string());
        let empty = String::new;
        let (m1, m2, m3, s1, s2, s3) = if ix.method == "morris" {
            (a, b, c, empty(), empty(), empty())
        } else {
            (empty(), empty(), empty(), a, b, c)
        };
        rows.push(vec![
            ix.method.to_string(),
            ix.output.clone(),
            ix.parameter.clone(),
            ix.rank.to_string(),
            m1,
            m2,
            m3,
            s1,
            s2,
            s3,
        ]);
    }
    fs::create_dir_all(&dir).map_err(|e| {
        Error::Output(crate::output::OutputError::new(
            format!("creating {}", dir.display()),
            e,
        ))
    })?;
    write_file(&dir, "sensitivity.csv", &csv_bytes(rows))?;
    let mut rows = vec![
        ["rank", "parameter", "max_mu_star_over_sd"]
            .map(String::from)
            .to_vec(),
    ];
    for (r, (i, m)) in ranking.iter().enumerate() {
        rows.push(vec![
            (r + 1).to_string(),
            ranges[*i].key.clone(),
            m.to_string(),
        ]);
    }
    write_file(&dir, "ranking.csv", &csv_bytes(rows))?;
    Ok(SensitivityReport {
        dir,
        indices,
        ranking: ranking
            .into_iter()
            .map(|(i, m)| (ranges[i].key.clone(), m))
            .collect(),
        runs: total_runs,
        executed,
        wall_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The numeric value of a key in a scenario (for `spread`).
fn current_value(s: &crate::scenario::Scenario, key: &str) -> Option<f64> {
    let mut t = match toml::Value::try_from(s).ok()? {
        toml::Value::Table(t) => t,
        _ => return None,
    };
    let mut parts = key.split('.').peekable();
    let mut value: Option<toml::Value> = None;
    while let Some(part) = parts.next() {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.strip_suffix(']')?.parse::<usize>().ok()),
            None => (part, None),
        };
        let mut v = t.remove(name)?;
        if let Some(i) = index {
            v = match v {
                toml::Value::Array(mut a) if i < a.len() => a.swap_remove(i),
                _ => return None,
            };
        }
        if parts.peek().is_some() {
            t = match v {
                toml::Value::Table(x) => x,
                _ => return None,
            };
        } else {
            value = Some(v);
        }
    }
    match value? {
        toml::Value::Integer(i) => Some(i as f64),
        toml::Value::Float(f) => Some(f),
        _ => None,
    }
}
