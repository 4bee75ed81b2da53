//! `hjemsim calibrate TARGETS`: approximate Bayesian computation by adaptive population Monte
//! Carlo (APMC; Lenormand, Jabot & Deffuant 2013, *Computational Statistics* 28:2777), a
//! sequential Monte Carlo ABC whose tolerance adapts itself:
//!
//! 1. draw N parameter sets from the prior and simulate each;
//! 2. keep the αN closest to the targets; the tolerance ε is the largest kept distance;
//! 3. draw N − αN new sets from the kept ones (by weight), each moved by a Gaussian kernel with
//!    twice their weighted variance, simulate them, weight each by prior / kernel mixture;
//! 4. pool old and new, keep the αN closest again (the new ε), and stop when fewer than
//!    `min_acceptance` of the new sets fell within the previous ε.
//!
//! APMC was chosen over rejection ABC and fixed-schedule ABC-SMC because every generation has a
//! fixed size (N − αN runs), which makes a generation a batch: it runs on the batch engine,
//! in parallel, with common random numbers (every run has the targets file's seed), each run
//! written whole to `runs/<id>/`. The algorithm is a deterministic function of the seed and the
//! run results, so a killed calibration reruns from the start, finds its finished runs on disk
//! and ends with the same bytes (`--resume`).
//!
//! A parameter set is applied as `--set key=value`, so any numeric scenario key can be
//! calibrated, dated-change points included (`changes.NAME.points[i].value`). Priors are uniform
//! or log-uniform; the kernel works on the log scale for the latter. Distances are the root mean
//! square of `(simulated − observed) / sd` over the targets, the simulated value being the mean
//! over the particle's replicates. Held-out targets are simulated and reported, never used.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::INTERRUPTED;
use super::batch::{BatchFile, Variant};
use super::compare::write_file;
use super::files::invalid;
use crate::error::Error;
use crate::output::OutputError;
use crate::output::csv_bytes;
use crate::prepare::{Progress, prepare};
use crate::scenario::timeline::{KeyKind, kind_of, overlay_for};

/// A targets file (`scenarios/calibration/targets.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetsFile {
    /// Output folder name: `<out>/<name>/`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The scenario calibrated, relative to this file.
    pub scenario: String,
    /// Scenario values set in every run (`"run.scale" = 0.1`), as in a batch file.
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// Replicates per parameter set.
    pub replicates: u32,
    /// Seed of every run (common random numbers) and of the algorithm's own draws.
    pub seed: u64,
    pub abc: AbcSettings,
    /// Where the calibrated overlay is written (relative to this file), and what it extends.
    pub calibrated: CalibratedOverlay,
    pub parameters: Vec<Parameter>,
    pub targets: Vec<Target>,
    /// Observations never used in fitting, reported beside the calibrated model's prediction.
    #[serde(default)]
    pub held_out: Vec<Target>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AbcSettings {
    /// N: parameter sets per generation.
    pub particles: u32,
    /// α: share kept each generation.
    pub alpha: f64,
    /// Stop when fewer than this share of a generation's new sets fall within the tolerance.
    pub min_acceptance: f64,
    /// Stop after this many generations (the prior draw is generation 0).
    pub max_generations: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CalibratedOverlay {
    /// Path of the overlay, relative to the targets file.
    pub path: String,
    /// Its `extends`, relative to the overlay.
    pub extends: String,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    Uniform,
    LogUniform,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Prior {
    pub distribution: Distribution,
    pub min: f64,
    pub max: f64,
}

/// A calibrated scenario key and its prior.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub key: String,
    pub prior: Prior,
    /// Why this prior (source or assumption).
    #[serde(default)]
    pub note: String,
}

/// An observation and the run metric that simulates it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// A metric of the runs' `metrics.csv`, e.g. `pit_18_24_2017`.
    pub metric: String,
    pub observed: f64,
    /// Its uncertainty (one standard deviation), which scales its distance.
    pub sd: f64,
    #[serde(default)]
    pub source: String,
}

/// Options of `hjemsim calibrate`.
#[derive(Clone, Debug)]
pub struct CalibrateOptions {
    pub targets: PathBuf,
    pub out: PathBuf,
    /// 0 = all cores.
    pub threads: usize,
    pub resume: bool,
    pub progress: Progress,
    /// Write the calibrated overlay to the path the targets file names (else only into the
    /// output folder).
    pub install: bool,
    /// Run only this shard's runs of each generation, waiting for the other shards' runs in the
    /// shared output folder (a Slurm array whose tasks all run the same command).
    pub shard: Option<super::shard::Shard>,
}

/// What a finished calibration reports back.
#[derive(Clone, Debug)]
pub struct CalibrationReport {
    pub dir: PathBuf,
    pub generations: u32,
    pub runs: usize,
    pub executed: usize,
    pub epsilon: f64,
    pub wall_seconds: f64,
    /// Where the overlay was installed, with `--install`.
    pub installed: Option<PathBuf>,
}

/// Reads and checks a targets file (the scenario and keys are checked in [`prepare_targets`]).
pub fn read_targets(path: &Path) -> Result<TargetsFile, Error> {
    let file: TargetsFile = super::files::read_toml(path, "targets file")?;
    super::files::check_name(path, &file.name)?;
    let fail = |key: &str, message: String| Err(invalid(path, key, message, None));
    if !(1..=1000).contains(&file.replicates) {
        return fail(
            "replicates",
            format!("{} is out of range; allowed: 1 to 1000", file.replicates),
        );
    }
    let a = &file.abc;
    if !(4..=100_000).contains(&a.particles) {
        return fail(
            "abc.particles",
            format!("{} is out of range; allowed: 4 to 100000", a.particles),
        );
    }
    if !(a.alpha > 0.0 && a.alpha < 1.0) || (a.alpha * a.particles as f64).floor() < 2.0 {
        return fail(
            "abc.alpha",
            format!(
                "{} is out of range; allowed: above 0 and below 1, keeping at least 2 of abc.particles",
                a.alpha
            ),
        );
    }
    if !(a.min_acceptance > 0.0 && a.min_acceptance <= 1.0) {
        return fail(
            "abc.min_acceptance",
            format!(
                "{} is out of range; allowed: above 0 up to 1",
                a.min_acceptance
            ),
        );
    }
    if !(1..=100).contains(&a.max_generations) {
        return fail(
            "abc.max_generations",
            format!("{} is out of range; allowed: 1 to 100", a.max_generations),
        );
    }
    if file.parameters.is_empty() {
        return fail(
            "parameters",
            "is empty; allowed: at least one parameter".into(),
        );
    }
    if file.targets.is_empty() {
        return fail("targets", "is empty; allowed: at least one target".into());
    }
    for (i, p) in file.parameters.iter().enumerate() {
        let k = |x: &str| format!("parameters[{i}].{x}");
        let pr = &p.prior;
        let positive = pr.distribution == Distribution::Uniform || pr.min > 0.0;
        if !(pr.min.is_finite() && pr.max.is_finite() && pr.min < pr.max && positive) {
            return fail(
                &k("prior"),
                format!(
                    "[{}, {}] is not a prior range; allowed: finite min < max (min > 0 for log_uniform)",
                    pr.min, pr.max
                ),
            );
        }
        if file.parameters[..i].iter().any(|q| q.key == p.key) {
            return fail(&k("key"), format!("`{}` is calibrated twice", p.key));
        }
    }
    for (list, targets) in [("targets", &file.targets), ("held_out", &file.held_out)] {
        for (i, t) in targets.iter().enumerate() {
            if !(t.observed.is_finite() && t.sd.is_finite() && t.sd > 0.0) {
                return fail(
                    &format!("{list}[{i}]"),
                    format!(
                        "observed {} with sd {}; allowed: a finite observation and sd > 0",
                        t.observed, t.sd
                    ),
                );
            }
        }
    }
    Ok(file)
}

/// Whether a TOML file is a calibration targets file (it has `targets` and `parameters`).
pub fn is_targets_file(path: &Path) -> bool {
    super::files::has_keys(path, &["targets", "parameters"])
}

/// Reads a targets file and checks it against its scenario (keys, priors, metrics), running
/// nothing.
pub fn check_targets(path: &Path) -> Result<TargetsFile, Error> {
    prepare_targets(path).map(|p| p.file)
}

/// A targets file with its scenario loaded: the kinds of the calibrated keys.
struct Prepared {
    file: TargetsFile,
    path: PathBuf,
    scenario: PathBuf,
    kinds: Vec<KeyKind>,
    common: Vec<String>,
}

fn prepare_targets(path: &Path) -> Result<Prepared, Error> {
    let file = read_targets(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let scenario = dir.join(&file.scenario);
    let mut common: Vec<String> = file.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
    common.push(format!("run.replicates={}", file.replicates));
    common.push(format!("run.seed={}", file.seed));
    let (_, setup) = prepare(&scenario, &common)?;
    let mut kinds = Vec::new();
    for (i, p) in file.parameters.iter().enumerate() {
        let kind = kind_of(&setup.scenario, &p.key).map_err(|m| {
            invalid(
                path,
                &format!("parameters[{i}].key"),
                format!("`{}` {m}", p.key),
                None,
            )
        })?;
        kinds.push(kind);
    }
    // Both ends of every prior must give a valid scenario.
    for (i, p) in file.parameters.iter().enumerate() {
        for end in [p.prior.min, p.prior.max] {
            let mut sets = common.clone();
            sets.push(set_value(&p.key, kinds[i], end));
            if let Err(e) = prepare(&scenario, &sets) {
                return Err(invalid(
                    path,
                    &format!("parameters[{i}].prior"),
                    format!("{end} does not give a valid scenario: {e}"),
                    None,
                ));
            }
        }
    }
    // Every target must be a metric the runs write: the names of a summary of empty months
    // over the reported period.
    let p = &setup.params;
    let months: Vec<_> = (p.report_start.0..=p.end.0)
        .map(|m| {
            (
                crate::calendar::Month(m),
                vec![crate::metrics::MonthCounts::default()],
            )
        })
        .collect();
    let names: Vec<String> = crate::metrics::replicate_summary(&months, 1.0)
        .metrics
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for (list, targets) in [("targets", &file.targets), ("held_out", &file.held_out)] {
        for (i, t) in targets.iter().enumerate() {
            if !names.contains(&t.metric) {
                return Err(invalid(
                    path,
                    &format!("{list}[{i}].metric"),
                    format!(
                        "`{}` is not a metric of this scenario's runs; allowed: a metric of a run's metrics.csv for a year from {} to {}, e.g. pit_18_24_{}",
                        t.metric,
                        p.report_start.year(),
                        p.end.year(),
                        p.end.year()
                    ),
                    None,
                ));
            }
        }
    }
    Ok(Prepared {
        file,
        path: path.to_path_buf(),
        scenario,
        kinds,
        common,
    })
}

fn set_value(key: &str, kind: KeyKind, v: f64) -> String {
    match kind {
        KeyKind::Integer => format!("{key}={}", v.round() as i64),
        KeyKind::Float => format!("{key}={v:?}"),
    }
}

/// A parameter set on the kernel's scale (log for log-uniform priors).
type Point = Vec<f64>;

fn to_value(p: &Prior, x: f64) -> f64 {
    match p.distribution {
        Distribution::Uniform => x,
        Distribution::LogUniform => x.exp(),
    }
}

fn bounds(p: &Prior) -> (f64, f64) {
    match p.distribution {
        Distribution::Uniform => (p.min, p.max),
        Distribution::LogUniform => (p.min.ln(), p.max.ln()),
    }
}

/// One simulated parameter set.
#[derive(Clone, Debug)]
struct Particle {
    point: Point,
    weight: f64,
    distance: f64,
    /// Mean simulated value of every target, then every held-out target.
    simulated: Vec<f64>,
    /// Generation and index in it, for the label of its runs.
    born: (u32, u32),
}

/// The algorithm's own draws: one stream per generation, keyed by the seed.
fn generation_rng(seed: u64, generation: u32) -> crate::rng::StreamRng {
    crate::rng::municipal_rng(
        crate::rng::ReplicateKey::new(seed, 0),
        300,
        generation as i32,
        crate::rng::Decision::CalibrationDraw as u32,
    )
}

/// Runs the parameter sets of one generation (skipping finished runs) and reads back their
/// simulated targets.
fn simulate(
    pre: &Prepared,
    pool: &rayon::ThreadPool,
    runs_dir: &Path,
    points: &[(Point, (u32, u32))],
    opts: &CalibrateOptions,
    executed: &mut usize,
) -> Result<Vec<Vec<f64>>, Error> {
    let progress = opts.progress;
    let f = &pre.file;
    let variants: Vec<Variant> = points
        .iter()
        .map(|(point, (g, k))| {
            let mut sets = pre.common.clone();
            for ((p, kind), x) in f.parameters.iter().zip(&pre.kinds).zip(point) {
                sets.push(set_value(&p.key, *kind, to_value(&p.prior, *x)));
            }
            Variant {
                label: format!("g{g}-{k}"),
                path: pre.scenario.clone(),
                sets,
            }
        })
        .collect();
    let batch = BatchFile {
        name: f.name.clone(),
        description: f.description.clone(),
        baseline: f.scenario.clone(),
        scenarios: Vec::new(),
        replicates: f.replicates,
        seed: f.seed,
        set: f.set.clone(),
        monthly: false,
        sweeps: Vec::new(),
        posterior: None,
        history_check: None,
    };
    let bar = crate::prepare::progress_bar(
        progress,
        (variants.len() * f.replicates as usize) as u64,
        &format!(
            "{} generation {}",
            f.name,
            points.first().map_or(0, |p| p.1.0)
        ),
        "runs",
    );
    let runner = super::PointRunner {
        pool,
        runs_dir,
        batch: &batch,
        origin: &pre.path,
        shard: opts.shard,
    };
    let metrics = super::run_points(&runner, variants, &bar, executed)?;
    bar.finish_and_clear();
    metrics
        .iter()
        .map(|m| {
            f.targets
                .iter()
                .chain(&f.held_out)
                .map(|t| {
                    m.get(&t.metric).copied().ok_or_else(|| {
                        Error::Output(OutputError::new(
                            "reading run metrics",
                            std::io::Error::other(format!("metric `{}` is missing", t.metric)),
                        ))
                    })
                })
                .collect()
        })
        .collect()
}

fn distance(targets: &[crate::experiment::calibrate::Target], simulated: &[f64]) -> f64 {
    let sum: f64 = targets
        .iter()
        .zip(simulated)
        .map(|(t, s)| ((s - t.observed) / t.sd).powi(2))
        .sum();
    (sum / targets.len() as f64).sqrt()
}

/// Keeps the `n` closest particles (ties by birth, so the order is deterministic).
fn keep_closest(mut all: Vec<Particle>, n: usize) -> Vec<Particle> {
    all.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.born.cmp(&b.born)));
    all.truncate(n);
    all
}

fn weighted_variance(particles: &[Particle], d: usize) -> f64 {
    let w: f64 = particles.iter().map(|p| p.weight).sum();
    let mean: f64 = particles.iter().map(|p| p.weight * p.point[d]).sum::<f64>() / w;
    particles
        .iter()
        .map(|p| p.weight * (p.point[d] - mean).powi(2))
        .sum::<f64>()
        / w
}

/// Weighted quantile of values (linear in the cumulative weight of sorted values).
pub fn weighted_quantile(values: &[(f64, f64)], q: f64) -> f64 {
    let mut v: Vec<(f64, f64)> = values.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut acc = 0.0;
    for &(x, w) in &v {
        acc += w;
        if acc >= q * total {
            return x;
        }
    }
    v.last().map_or(f64::NAN, |x| x.0)
}

/// `hjemsim calibrate`: runs APMC and writes the posterior, the fit and the calibrated overlay.
pub fn calibrate(opts: &CalibrateOptions) -> Result<CalibrationReport, Error> {
    let started = Instant::now();
    let pre = prepare_targets(&opts.targets)?;
    let f = &pre.file;
    let dir = opts.out.join(&f.name);
    let runs_dir = dir.join("runs");
    let io = |what: String| move |e: std::io::Error| Error::Output(OutputError::new(what, e));
    // Shards share the folder: none of them clears it.
    super::prepare_runs_dir(&runs_dir, opts.resume, opts.shard)?;
    let pool = crate::prepare::thread_pool(opts.threads)?;
    let n = f.abc.particles as usize;
    let kept_n = (f.abc.alpha * n as f64).floor() as usize;
    let dims = f.parameters.len();
    let targets = &f.targets;
    let mut executed = 0usize;
    let mut history: Vec<(u32, f64, f64, usize)> = Vec::new();

    // Generation 0: the prior.
    let mut rng = generation_rng(f.seed, 0);
    let points: Vec<(Point, (u32, u32))> = (0..n)
        .map(|k| {
            let point = f
                .parameters
                .iter()
                .map(|p| {
                    let (lo, hi) = bounds(&p.prior);
                    lo + (hi - lo) * rng.random::<f64>()
                })
                .collect();
            (point, (0, k as u32))
        })
        .collect();
    let simulated = simulate(&pre, &pool, &runs_dir, &points, opts, &mut executed)?;
    let all: Vec<Particle> = points
        .into_iter()
        .zip(simulated)
        .map(|((point, born), simulated)| Particle {
            distance: distance(targets, &simulated[..targets.len()]),
            point,
            weight: 1.0,
            simulated,
            born,
        })
        .collect();
    let mut kept = keep_closest(all, kept_n);
    let mut epsilon = kept.last().expect("at least two kept").distance;
    history.push((0, epsilon, 1.0, n));

    let mut generation = 0;
    while generation + 1 < f.abc.max_generations {
        if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        generation += 1;
        let sigma: Vec<f64> = (0..dims)
            .map(|d| (2.0 * weighted_variance(&kept, d)).sqrt().max(1e-12))
            .collect();
        let total_weight: f64 = kept.iter().map(|p| p.weight).sum();
        let mut rng = generation_rng(f.seed, generation);
        let mut points = Vec::with_capacity(n - kept_n);
        for k in 0..n - kept_n {
            // Pick a kept particle by weight, then move it, staying inside the prior.
            let u = rng.random::<f64>() * total_weight;
            let mut acc = 0.0;
            let mut from = &kept[kept.len() - 1];
            for p in &kept {
                acc += p.weight;
                if u < acc {
                    from = p;
                    break;
                }
            }
            let point: Point = (0..dims)
                .map(|d| {
                    let (lo, hi) = bounds(&f.parameters[d].prior);
                    for _ in 0..1000 {
                        let z: f64 =
                            rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng);
                        let x = from.point[d] + sigma[d] * z;
                        if (lo..=hi).contains(&x) {
                            return x;
                        }
                    }
                    from.point[d]
                })
                .collect();
            points.push((point, (generation, k as u32)));
        }
        let simulated = simulate(&pre, &pool, &runs_dir, &points, opts, &mut executed)?;
        let mut accepted = 0usize;
        let mut fresh = Vec::with_capacity(points.len());
        for ((point, born), simulated) in points.into_iter().zip(simulated) {
            let d = distance(targets, &simulated[..targets.len()]);
            accepted += (d <= epsilon) as usize;
            // Prior (flat on the kernel's scale) over the kernel mixture.
            let mixture: f64 = kept
                .iter()
                .map(|p| {
                    p.weight / total_weight
                        * (0..dims)
                            .map(|j| {
                                let z = (point[j] - p.point[j]) / sigma[j];
                                (-0.5 * z * z).exp() / sigma[j]
                            })
                            .product::<f64>()
                })
                .sum();
            fresh.push(Particle {
                point,
                weight: 1.0 / mixture.max(f64::MIN_POSITIVE),
                distance: d,
                simulated,
                born,
            });
        }
        let acceptance = accepted as f64 / (n - kept_n) as f64;
        let mut all = kept;
        all.extend(fresh);
        kept = keep_closest(all, kept_n);
        epsilon = kept.last().expect("at least two kept").distance;
        history.push((generation, epsilon, acceptance, n - kept_n));
        if acceptance < f.abc.min_acceptance {
            break;
        }
    }
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(Error::Output(OutputError::new(
            "interrupted",
            std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "stopped on Ctrl-C; the finished runs are kept: rerun with --resume",
            ),
        )));
    }

    // Outputs.
    let total: f64 = kept.iter().map(|p| p.weight).sum();
    let mut rows = vec![{
        let mut h = vec!["particle".to_string(), "weight".into(), "distance".into()];
        h.extend(f.parameters.iter().map(|p| p.key.clone()));
        h
    }];
    for p in &kept {
        let mut r = vec![
            format!("g{}-{}", p.born.0, p.born.1),
            (p.weight / total).to_string(),
            p.distance.to_string(),
        ];
        r.extend(
            f.parameters
                .iter()
                .zip(&p.point)
                .map(|(q, x)| to_value(&q.prior, *x).to_string()),
        );
        rows.push(r);
    }
    let posterior = csv_bytes(rows);

    let mut rows = vec![FIT_HEADER.map(String::from).to_vec()];
    for (j, t) in targets.iter().chain(&f.held_out).enumerate() {
        let values: Vec<(f64, f64)> = kept.iter().map(|p| (p.simulated[j], p.weight)).collect();
        let mean: f64 = values.iter().map(|(v, w)| v * w).sum::<f64>() / total;
        rows.push(vec![
            if j < targets.len() {
                "calibration"
            } else {
                "held_out"
            }
            .to_string(),
            t.metric.clone(),
            t.observed.to_string(),
            t.sd.to_string(),
            mean.to_string(),
            weighted_quantile(&values, 0.025).to_string(),
            weighted_quantile(&values, 0.975).to_string(),
            ((mean - t.observed) / t.sd).to_string(),
            t.source.clone(),
        ]);
    }
    let fit = csv_bytes(rows);

    let mut rows = vec![
        ["generation", "epsilon", "acceptance", "runs"]
            .map(String::from)
            .to_vec(),
    ];
    for (g, e, a, r) in &history {
        rows.push(vec![
            g.to_string(),
            e.to_string(),
            a.to_string(),
            (r * f.replicates as usize).to_string(),
        ]);
    }
    let generations = csv_bytes(rows);

    // The overlay: posterior medians of every parameter.
    let medians: Vec<f64> = (0..dims)
        .map(|d| {
            let v: Vec<(f64, f64)> = kept
                .iter()
                .map(|p| (to_value(&f.parameters[d].prior, p.point[d]), p.weight))
                .collect();
            weighted_quantile(&v, 0.5)
        })
        .collect();
    let mut sets = pre.common.clone();
    for ((p, kind), v) in f.parameters.iter().zip(&pre.kinds).zip(&medians) {
        sets.push(set_value(&p.key, *kind, *v));
    }
    let (_, setup) = prepare(&pre.scenario, &sets)?;
    let keys: Vec<String> = f.parameters.iter().map(|p| p.key.clone()).collect();
    let overlay = overlay_for(&setup.scenario, &keys);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Calibrated parameters: posterior medians written by\n#   hjemsim calibrate {}\n# from {} runs in {} generations (tolerance {:.4}); posterior.csv and fit.csv in\n# the output folder say how well each target is met. Do not edit by hand: rerun the command.\n# What each parameter stands for, its prior and its source ([A] where no source covers it, as\n# the latent onset of risk `changes.risk_pressure`): the [[parameters]] of the targets file.",
        opts.targets.display(),
        history
            .iter()
            .map(|h| h.3 * f.replicates as usize)
            .sum::<usize>(),
        history.len(),
        epsilon
    );
    let _ = writeln!(text, "extends = {:?}", f.calibrated.extends);
    let _ = writeln!(text, "name = \"calibrated\"");
    let _ = writeln!(
        text,
        "description = \"Denmark's parameters with the calibrated values\"\n"
    );
    text.push_str(&toml::to_string(&overlay).expect("an overlay serializes"));
    let overlay_bytes = text.into_bytes();

    fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
    write_file(&dir, "posterior.csv", &posterior)?;
    write_file(&dir, "fit.csv", &fit)?;
    write_file(&dir, "generations.csv", &generations)?;
    write_file(&dir, "calibrated.toml", &overlay_bytes)?;
    let installed = if opts.install {
        let target = opts
            .targets
            .parent()
            .unwrap_or(Path::new("."))
            .join(&f.calibrated.path);
        let parent = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        write_file(parent, &name, &overlay_bytes)?;
        // The installed overlay must give the scenario the medians: a later file of the chain
        // that sets a calibrated key (or the dated change it sits in) would silently undo it.
        let (_, installed) = prepare(&pre.scenario, &pre.common)?;
        let overlay_of = |setup: &crate::model::Setup| overlay_for(&setup.scenario, &keys);
        if overlay_of(&installed) != overlay {
            return Err(Error::Usage(format!(
                "installed {}, but {} overrides some calibrated values in a later file: keep calibrated keys (and dated changes with calibrated points) out of the files that extend the overlay",
                target.display(),
                pre.scenario.display()
            )));
        }
        Some(target)
    } else {
        None
    };
    let runs = history.iter().map(|h| h.3 * f.replicates as usize).sum();
    Ok(CalibrationReport {
        dir,
        generations: history.len() as u32,
        runs,
        executed,
        epsilon,
        wall_seconds: started.elapsed().as_secs_f64(),
        installed,
    })
}

/// One observation beside its simulation.
/// Columns of `fit.csv` (calibration) and `history.csv` (a batch's history check): each target
/// beside the simulated mean and range.
pub const FIT_HEADER: [&str; 9] = [
    "use",
    "metric",
    "observed",
    "sd",
    "simulated_mean",
    "simulated_low",
    "simulated_high",
    "z",
    "source",
];

#[derive(Clone, Debug, PartialEq)]
pub struct CheckRow {
    /// `calibration` or `held_out`.
    pub usage: String,
    pub metric: String,
    pub observed: f64,
    pub sd: f64,
    pub mean: f64,
    /// The range one count falls in: mean +- 1.96 sd over replicates.
    pub low: f64,
    pub high: f64,
    /// (mean - observed) / sd of the observation.
    pub z: f64,
    /// Where the observation comes from.
    pub source: String,
}

/// `hjemsim validate-history`: the calibrated scenario at another scale (full by default) and
/// replicates, each target and held-out observation beside the simulated mean and its 95 %
/// interval over replicates. Nothing is fitted here.
pub struct HistoryCheck {
    pub rows: Vec<CheckRow>,
    pub replicates: u32,
    pub scale: f64,
    pub wall_seconds: f64,
}

pub fn validate_history(
    targets: &Path,
    scale: f64,
    replicates: u32,
    threads: usize,
) -> Result<HistoryCheck, Error> {
    let started = Instant::now();
    let pre = prepare_targets(targets)?;
    let f = &pre.file;
    let mut sets = pre.common.clone();
    sets.push(format!("run.scale={scale:?}"));
    sets.push(format!("run.replicates={replicates}"));
    let pool = crate::prepare::thread_pool(threads)?;
    let (_, setup) = pool.install(|| prepare(&pre.scenario, &sets))?;
    let mut per_replicate: Vec<Vec<(String, f64)>> = Vec::new();
    pool.install(|| {
        crate::engine::run_replicates(&setup, f.seed, replicates, &|| {}, |r| {
            per_replicate
                .push(crate::metrics::replicate_summary(&r.months, setup.run.scale).metrics);
            Ok::<(), Error>(())
        })
    })?;
    let mut rows = Vec::new();
    for (j, t) in f.targets.iter().chain(&f.held_out).enumerate() {
        let values: Vec<f64> = per_replicate
            .iter()
            .filter_map(|m| m.iter().find(|(k, _)| *k == t.metric).map(|x| x.1))
            .collect();
        // The range one count falls in (mean +- 1.96 sd over replicates), which is what an
        // observed count is compared with.
        let s = crate::stats::summarize(&values);
        let sd = s.sd.unwrap_or(0.0);
        rows.push(CheckRow {
            usage: if j < f.targets.len() {
                "calibration"
            } else {
                "held_out"
            }
            .to_string(),
            metric: t.metric.clone(),
            observed: t.observed,
            sd: t.sd,
            mean: s.mean,
            low: s.mean - 1.96 * sd,
            high: s.mean + 1.96 * sd,
            z: (s.mean - t.observed) / t.sd,
            source: t.source.clone(),
        });
    }
    Ok(HistoryCheck {
        rows,
        replicates,
        scale,
        wall_seconds: started.elapsed().as_secs_f64(),
    })
}
