//! Batch files: a named baseline, scenario files, optional sweeps over any scenario key (grid or
//! Latin hypercube), replicates and a seed, expanded into runs with stable ids.
//!
//! Every run of a batch uses the batch's seed: replicate r of every scenario faces the same people
//! and the same luck (common random numbers), which is what makes the comparison paired. A run's
//! id is a digest of its resolved scenario, its data and its replicate, so adding a scenario to a
//! batch changes neither the other runs' ids nor their results.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::files::invalid;
use crate::error::Error;
use crate::model::{Setup, SynthesisInputs};
use crate::prepare::prepare;

/// A batch file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BatchFile {
    /// The batch writes to `<out>/<name>/`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The scenario every other is compared with, relative to this file.
    pub baseline: String,
    /// Scenario files, relative to this file.
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// Replicates of every scenario.
    pub replicates: u32,
    /// The seed of every run (common random numbers across scenarios).
    pub seed: u64,
    /// Scenario values set in every scenario of the batch, as `--set` would (e.g.
    /// `"run.scale" = 0.1`).
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// Write each run's `monthly.csv` too (large at full scale).
    #[serde(default)]
    pub monthly: bool,
    #[serde(default)]
    pub sweeps: Vec<Sweep>,
    /// A calibration's `posterior.csv` (relative to this file): replicate r of every scenario
    /// takes the same parameter draw r (weighted, keyed by seed and replicate), so intervals
    /// include parameter uncertainty and scenarios stay paired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<String>,
    /// A calibration targets file (relative to this file): its calibrated history scenario is
    /// run with this batch's replicates and scale and held against the observed counts, as
    /// `hjemsim validate-history` does, into `history.csv`, so the batch's report shows how the
    /// model behind it meets Denmark's counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_check: Option<String>,
}

/// A sweep around one scenario.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The scenario file swept (relative to the batch file).
    pub scenario: String,
    pub design: Design,
    /// Number of points of a Latin hypercube.
    #[serde(default)]
    pub points: u32,
    /// Axes by scenario key: a list of values (grid) or `{ min, max }` (Latin hypercube).
    pub axes: BTreeMap<String, Axis>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Every combination of the listed values.
    Grid,
    /// `points` points, one per stratum of every axis.
    LatinHypercube,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Axis {
    Values(Vec<toml::Value>),
    Range { min: f64, max: f64 },
}

/// One scenario variant of a batch: a file with overrides.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Name in the outputs: the scenario name, with the sweep point for sweeps.
    pub label: String,
    pub path: PathBuf,
    pub sets: Vec<String>,
}

/// One run: a variant and a replicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSpec {
    pub variant: usize,
    pub replicate: u32,
    /// Stable id (hex digest of resolved scenario, data and replicate).
    pub id: String,
    /// With a posterior: the run's own setup, [`Plan::draws`] (the variant with the replicate's
    /// parameter draw).
    pub draw_setup: Option<usize>,
}

/// A batch, expanded and prepared.
pub struct Plan {
    pub file: BatchFile,
    pub path: PathBuf,
    /// Baseline first.
    pub variants: Vec<Variant>,
    /// What the plan keeps of each variant's setup (the setup itself while they fit).
    pub prepared: Vec<Prepared>,
    /// [`scenario_digest`] of each setup, computed once.
    pub digests: Vec<String>,
    pub runs: Vec<RunSpec>,
    /// With a posterior: the (variant, parameter draw) pairs that runs use. Their setups are
    /// prepared when a run needs one and dropped after it: each holds the levers of every
    /// stretch of months (about 1.4 MB for the main job), so holding them all would make a
    /// batch's memory grow with its draws.
    pub draws: Vec<DrawSetup>,
}

/// A scenario with one posterior draw of its parameters: the `--set`s that make it, and what
/// its population synthesis reads (known when the plan is made, so runs can share one).
pub struct DrawSetup {
    pub variant: usize,
    pub sets: Vec<String>,
    pub synthesis: SynthesisInputs,
}

/// The most memory a plan spends on keeping its variants' setups, in bytes
/// ([`Setup::approximate_bytes`]). A setup holds the levers of every stretch of dated changes:
/// about 9 MB for a scenario over the whole history (its parameters change nearly every month),
/// 1.3 MB for the main job's span, so a sweep of 2,000 history variants would otherwise hold
/// 18 GB. 256 MiB keeps every setup of the main job (8 x 1.3 MB) and of a sweep of about 25
/// history variants, beside a national run's 200 MB a thread.
pub const SETUP_MEMORY: u64 = 256 << 20;

/// A variant's setup as the plan keeps it. Every variant is prepared, and so validated, when the
/// plan is made. The setup itself is kept when all the batch's setups together fit in
/// [`SETUP_MEMORY`]; otherwise only the first variant's (the baseline) is, and runs prepare the
/// others a group of variants at a time ([`Plan::setup`]). A setup is a pure function of the
/// scenario the plan loaded and the municipality table, so either way a run gets the same setup
/// and gives the same bytes.
pub struct Prepared {
    /// The scenario as loaded (what its setup is made from again).
    resolved: crate::scenario::Resolved,
    pub run: crate::model::RunSpec,
    /// What population synthesis reads (so runs can share one without the setup).
    pub synthesis: SynthesisInputs,
    /// People x simulated months of one run.
    pub agent_months: f64,
    /// [`Setup::approximate_bytes`].
    pub bytes: u64,
    /// Municipality x lever pairs the budget pays for in the first month: lines of a run's
    /// `costs.csv` a month (for `hjemsim estimate`, which would otherwise make dropped setups
    /// again for it).
    pub budget_lines: usize,
    setup: Option<Setup>,
}

impl Prepared {
    fn of(resolved: crate::scenario::Resolved, setup: Setup) -> Prepared {
        let people: f64 = setup
            .municipalities
            .iter()
            .map(|m| m.population_18_29 as f64)
            .sum();
        Prepared {
            resolved,
            run: setup.run,
            synthesis: setup.synthesis_inputs(),
            agent_months: people * setup.run.scale * setup.params.months() as f64,
            bytes: setup.approximate_bytes(),
            budget_lines: setup.levers[0]
                .budget_by_lever
                .iter()
                .flatten()
                .filter(|&&v| v > 0)
                .count(),
            setup: Some(setup),
        }
    }

    /// The variant's resolved scenario.
    pub fn scenario(&self) -> &crate::scenario::Scenario {
        &self.resolved.scenario
    }

    /// The variant's overlay chain, base first (where the report finds the notes beside values).
    pub fn files(&self) -> &[PathBuf] {
        &self.resolved.files
    }

    /// Whether the plan keeps this variant's setup.
    pub fn is_kept(&self) -> bool {
        self.setup.is_some()
    }
}

impl Plan {
    /// A variant's setup: the one kept, or made now from the scenario the plan loaded. Making it
    /// again fails if the municipality table changed since the plan was made (the setup's digest
    /// then differs from its runs' ids').
    pub fn setup(&self, variant: usize) -> Result<Cow<'_, Setup>, Error> {
        let prepared = &self.prepared[variant];
        if let Some(setup) = &prepared.setup {
            return Ok(Cow::Borrowed(setup));
        }
        let setup = crate::prepare::setup_of(&prepared.resolved)?;
        if scenario_digest(&setup) != self.digests[variant] {
            let table = &prepared.resolved.municipalities_path;
            return Err(invalid(
                table,
                "",
                format!(
                    "changed since the batch `{}` was planned; allowed: files left as they are while a batch runs (rerun with --resume to keep the finished runs)",
                    self.file.name
                ),
                None,
            ));
        }
        Ok(Cow::Owned(setup))
    }

    /// The setup a run simulates: its variant's ([`Plan::setup`]), or its draw's, prepared now
    /// (it was prepared and validated once when the plan was made; this fails only if its files
    /// changed since).
    pub fn setup_of(&self, spec: &RunSpec) -> Result<Cow<'_, Setup>, Error> {
        match spec.draw_setup {
            Some(i) => {
                let d = &self.draws[i];
                Ok(Cow::Owned(
                    prepare(&self.variants[d.variant].path, &d.sets)?.1,
                ))
            }
            None => self.setup(spec.variant),
        }
    }

    /// What population synthesis reads from a run's setup, without preparing it.
    pub fn synthesis_inputs_of(&self, spec: &RunSpec) -> SynthesisInputs {
        match spec.draw_setup {
            Some(i) => self.draws[i].synthesis.clone(),
            None => self.prepared[spec.variant].synthesis.clone(),
        }
    }

    /// Whether every variant's setup is kept (see [`Prepared`]).
    pub fn keeps_every_setup(&self) -> bool {
        self.prepared.iter().all(Prepared::is_kept)
    }
}

/// A calibration's posterior: parameter keys and weighted parameter sets.
#[derive(Clone, Debug)]
pub struct Posterior {
    pub keys: Vec<String>,
    /// (particle label, weight, values in `keys` order)
    pub draws: Vec<(String, f64, Vec<f64>)>,
}

/// Reads `posterior.csv` as `hjemsim calibrate` writes it.
pub fn read_posterior(path: &Path) -> Result<Posterior, Error> {
    let bad = |message: String| invalid(path, "posterior", message, None);
    let mut r = csv::Reader::from_path(path)
        .map_err(|e| bad(format!("cannot read posterior file: {e}")))?;
    let headers = r.headers().map_err(|e| bad(e.to_string()))?.clone();
    if headers.len() < 4 || &headers[0] != "particle" || &headers[1] != "weight" {
        return Err(bad(
            "not a posterior; allowed: a posterior.csv written by hjemsim calibrate (particle,weight,distance,keys...)".into(),
        ));
    }
    let keys: Vec<String> = headers.iter().skip(3).map(String::from).collect();
    let mut draws = Vec::new();
    for (line, row) in r.records().enumerate() {
        let row = row.map_err(|e| bad(e.to_string()))?;
        let num = |i: usize| -> Result<f64, Error> {
            row.get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    bad(format!(
                        "line {}: column {} is not a finite number",
                        line + 2,
                        i + 1
                    ))
                })
        };
        let weight = num(1)?;
        if weight < 0.0 {
            return Err(bad(format!("line {}: negative weight", line + 2)));
        }
        let values = (3..headers.len())
            .map(num)
            .collect::<Result<Vec<f64>, Error>>()?;
        draws.push((row[0].to_string(), weight, values));
    }
    if draws.is_empty() || draws.iter().map(|d| d.1).sum::<f64>() <= 0.0 {
        return Err(bad("has no draws with positive weight".into()));
    }
    Ok(Posterior { keys, draws })
}

impl Posterior {
    /// The draw replicate `r` takes: weighted, keyed by the batch seed and the replicate, so
    /// it is the same for every scenario of the batch and never depends on the others.
    pub fn draw_for(&self, seed: u64, replicate: u32) -> usize {
        use rand::RngExt;
        let mut rng = crate::rng::municipal_rng(
            crate::rng::ReplicateKey::new(seed, replicate),
            400,
            0,
            crate::rng::Decision::PosteriorDraw as u32,
        );
        let total: f64 = self.draws.iter().map(|d| d.1).sum();
        let u = rng.random::<f64>() * total;
        let mut acc = 0.0;
        for (i, d) in self.draws.iter().enumerate() {
            acc += d.1;
            if u < acc {
                return i;
            }
        }
        self.draws.len() - 1
    }
}

/// Whether a TOML file is a batch file (it names a `baseline`).
pub fn is_batch_file(path: &Path) -> bool {
    super::files::has_keys(path, &["baseline"])
}

/// Reads a batch file.
pub fn read_batch(path: &Path) -> Result<BatchFile, Error> {
    let file: BatchFile = super::files::read_toml(path, "batch file")?;
    super::files::check_name(path, &file.name)?;
    if !(1..=100_000).contains(&file.replicates) {
        return Err(invalid(
            path,
            "replicates",
            format!("{} is out of range; allowed: 1 to 100000", file.replicates),
            None,
        ));
    }
    check_size(path, &file, None)?;
    for (i, s) in file.sweeps.iter().enumerate() {
        if s.design == Design::LatinHypercube && !(2..=10_000).contains(&s.points) {
            return Err(invalid(
                path,
                &format!("sweeps[{i}].points"),
                format!(
                    "{} is out of range; allowed: 2 to 10000 for a Latin hypercube",
                    s.points
                ),
                None,
            ));
        }
        for (key, axis) in &s.axes {
            let ok = match (s.design, axis) {
                (Design::Grid, Axis::Values(v)) => !v.is_empty(),
                (Design::LatinHypercube, Axis::Range { min, max }) => {
                    min.is_finite() && max.is_finite() && min <= max
                }
                _ => false,
            };
            if !ok {
                return Err(invalid(
                    path,
                    &format!("sweeps[{i}].axes.{key}"),
                    "allowed: a non-empty list of values for a grid, `{ min, max }` with finite min <= max for a Latin hypercube".into(),
                    None,
                ));
            }
        }
    }
    Ok(file)
}

fn set_string(key: &str, value: &toml::Value) -> String {
    format!("{key}={value}")
}

/// The sweep points of one sweep: per point, the `--set`s and a label.
fn sweep_points(s: &Sweep, seed: u64, index: usize) -> Vec<(Vec<String>, String)> {
    match s.design {
        Design::Grid => {
            let mut points: Vec<Vec<(String, toml::Value)>> = vec![Vec::new()];
            for (key, axis) in &s.axes {
                let Axis::Values(values) = axis else { continue };
                points = points
                    .into_iter()
                    .flat_map(|p| {
                        values.iter().map(move |v| {
                            let mut q = p.clone();
                            q.push((key.clone(), v.clone()));
                            q
                        })
                    })
                    .collect();
            }
            points
                .into_iter()
                .map(|p| {
                    let label = p
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",");
                    (p.iter().map(|(k, v)| set_string(k, v)).collect(), label)
                })
                .collect()
        }
        Design::LatinHypercube => {
            let n = s.points as usize;
            let mut rng = crate::rng::municipal_rng(
                crate::rng::ReplicateKey::new(seed, 0),
                200 + index as u32,
                0,
                crate::rng::Decision::SweepDesign as u32,
            );
            let mut columns: Vec<(String, Vec<f64>)> = Vec::new();
            for (key, axis) in &s.axes {
                let Axis::Range { min, max } = axis else {
                    continue;
                };
                // One point per stratum, strata shuffled (Fisher-Yates on the keyed stream).
                let mut strata: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    let j = rng.random_range(0..=i);
                    strata.swap(i, j);
                }
                let values = strata
                    .iter()
                    .map(|&k| {
                        let u: f64 = rng.random();
                        min + (k as f64 + u) / n as f64 * (max - min)
                    })
                    .collect();
                columns.push((key.clone(), values));
            }
            (0..n)
                .map(|p| {
                    let sets = columns
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v[p]))
                        .collect();
                    (sets, format!("lhs{p}"))
                })
                .collect()
        }
    }
}

/// The most scenario variants (baseline, scenarios and sweep points) one batch may plan: each is
/// loaded and prepared whole before anything runs, so a larger design belongs in a calibration or
/// sensitivity file (planned a few waves at a time) or in several batches.
pub const MAX_VARIANTS: u64 = 2_000;
/// The most runs one batch may hold (variants x replicates).
pub const MAX_RUNS: u64 = 200_000;

/// Grid points of a sweep (saturating: an absurd grid must not overflow before it is refused).
fn grid_points(s: &Sweep) -> u64 {
    s.axes.values().fold(1u64, |n, axis| match axis {
        Axis::Values(v) => n.saturating_mul(v.len() as u64),
        Axis::Range { .. } => n,
    })
}

/// Refuses a batch whose size is absurd, with the estimate, before anything is expanded.
/// `replicates` replaces the file's (`--replicates`, `--precision`'s ceiling).
pub fn check_size(path: &Path, file: &BatchFile, replicates: Option<u32>) -> Result<(), Error> {
    let points: u64 = file
        .sweeps
        .iter()
        .map(|s| match s.design {
            Design::Grid => grid_points(s),
            Design::LatinHypercube => s.points as u64,
        })
        .fold(0u64, u64::saturating_add);
    let variants = (1 + file.scenarios.len() as u64).saturating_add(points);
    if variants > MAX_VARIANTS {
        return Err(invalid(
            path,
            "sweeps",
            format!(
                "the batch has {variants} scenario variants (1 baseline, {} scenarios, {points} sweep points); allowed: at most {MAX_VARIANTS} (split it, or use a calibration or sensitivity file, which plan a few at a time)",
                file.scenarios.len()
            ),
            None,
        ));
    }
    let replicates = replicates.unwrap_or(file.replicates) as u64;
    let runs = variants.saturating_mul(replicates);
    if runs > MAX_RUNS {
        return Err(invalid(
            path,
            "replicates",
            format!(
                "the batch has {runs} runs ({variants} variants x {replicates} replicates); allowed: at most {MAX_RUNS}"
            ),
            None,
        ));
    }
    Ok(())
}

/// The most agent-months one batch may simulate: 10^13, about two days of the whole model on a
/// 2-core machine at the measured 60 M agent-months a second (README, Performance).
pub const MAX_AGENT_MONTHS: f64 = 1e13;

/// Refuses a planned batch whose work is absurd (people x months x runs), with the estimate.
fn check_work(path: &Path, plan: &Plan) -> Result<(), Error> {
    let total: f64 = plan
        .runs
        .iter()
        .map(|r| plan.prepared[r.variant].agent_months)
        .sum();
    if total > MAX_AGENT_MONTHS {
        return Err(invalid(
            path,
            "",
            format!(
                "the batch would simulate about {:.1e} agent-months ({} runs; about {:.0} hours at 60 M a second); allowed: at most {MAX_AGENT_MONTHS:.0e}",
                total,
                plan.runs.len(),
                total / 60e6 / 3600.0
            ),
            None,
        ));
    }
    Ok(())
}

/// Expands and prepares a batch: every variant is loaded and validated before anything runs.
pub fn plan(path: &Path) -> Result<Plan, Error> {
    plan_with_replicates(path, None, None)
}

/// As [`plan`], with another number of replicates than the file's.
/// `posterior` (a path as given on the command line) replaces the file's `posterior`.
pub fn plan_with_replicates(
    path: &Path,
    replicates: Option<u32>,
    posterior: Option<&Path>,
) -> Result<Plan, Error> {
    let mut file = read_batch(path)?;
    if let Some(r) = replicates {
        check_size(path, &file, Some(r))?;
        file.replicates = r;
    }
    if let Some(p) = posterior {
        let absolute = std::path::absolute(p).map_err(|e| {
            invalid(
                path,
                "posterior",
                format!("cannot resolve {}: {e}", p.display()),
                None,
            )
        })?;
        file.posterior = Some(absolute.display().to_string());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    if let Some(rel) = &file.history_check {
        super::calibrate::read_targets(&dir.join(rel))?;
    }
    let mut common: Vec<String> = file.set.iter().map(|(k, v)| set_string(k, v)).collect();
    common.push(format!("run.replicates={}", file.replicates));
    common.push(format!("run.seed={}", file.seed));

    let mut variants = Vec::new();
    for rel in std::iter::once(&file.baseline).chain(&file.scenarios) {
        variants.push(Variant {
            label: String::new(),
            path: dir.join(rel),
            sets: common.clone(),
        });
    }
    for (i, s) in file.sweeps.iter().enumerate() {
        for (sets, point) in sweep_points(s, file.seed, i) {
            let mut all = common.clone();
            all.extend(sets);
            variants.push(Variant {
                label: point,
                path: dir.join(&s.scenario),
                sets: all,
            });
        }
    }
    let plan = plan_variants(file, path, variants)?;
    check_work(path, &plan)?;
    Ok(plan)
}

/// Prepares the runs of `variants` (each `file.replicates` times, with `file.seed`): loads and
/// validates every scenario, labels the variants and gives every run its id. `path` is the file
/// the plan came from (named in errors and manifests).
pub fn plan_variants(
    file: BatchFile,
    path: &Path,
    mut variants: Vec<Variant>,
) -> Result<Plan, Error> {
    let mut prepared: Vec<Prepared> = Vec::with_capacity(variants.len());
    let mut digests: Vec<String> = Vec::with_capacity(variants.len());
    // Each scenario prepared on its own (on the caller's pool), a few at a time so that setups
    // the plan does not keep are never all held at once; the first error in the batch's order
    // is the one reported.
    let at_once = 4 * rayon::current_num_threads().max(1);
    let mut held = 0;
    for part in variants.chunks_mut(at_once) {
        let setups: Vec<Result<_, Error>> =
            part.par_iter().map(|v| prepare(&v.path, &v.sets)).collect();
        for (v, p) in part.iter_mut().zip(setups) {
            let (resolved, setup) = p?;
            v.label = if v.label.is_empty() {
                setup.scenario.name.clone()
            } else {
                format!("{}[{}]", setup.scenario.name, v.label)
            };
            digests.push(scenario_digest(&setup));
            let p = Prepared::of(resolved, setup);
            held += p.bytes;
            prepared.push(p);
            // Past the budget: from now on only the baseline's setup is kept.
            if held > SETUP_MEMORY {
                for p in prepared.iter_mut().skip(1) {
                    p.setup = None;
                }
            }
        }
    }
    let mut runs = Vec::new();
    for (variant, base) in digests.iter().enumerate() {
        for replicate in 0..file.replicates {
            let mut h = blake3::Hasher::new();
            h.update(base.as_bytes());
            h.update(&replicate.to_le_bytes());
            let id = h.finalize().to_hex()[..16].to_string();
            runs.push(RunSpec {
                variant,
                replicate,
                id,
                draw_setup: None,
            });
        }
    }
    let mut first_with: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, a) in variants.iter().enumerate() {
        if let Some(&b) = first_with.get(digests[i].as_str()) {
            return Err(invalid(
                path,
                "scenarios",
                format!(
                    "`{}` and `{}` resolve to the same scenario; allowed: distinct scenarios",
                    variants[b].label, a.label
                ),
                None,
            ));
        }
        first_with.insert(&digests[i], i);
    }
    // With a posterior, each run takes its replicate's draw: its own setup and id.
    let mut draws: Vec<DrawSetup> = Vec::new();
    let mut draw_digests: Vec<String> = Vec::new();
    if let Some(rel) = &file.posterior {
        let dir = path.parent().unwrap_or(Path::new("."));
        let posterior = read_posterior(&dir.join(rel))?;
        let mut made: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for run in &mut runs {
            let draw = posterior.draw_for(file.seed, run.replicate);
            let index = match made.get(&(run.variant, draw)) {
                Some(&i) => i,
                None => {
                    let v = &variants[run.variant];
                    let base = prepared[run.variant].scenario();
                    let mut sets = v.sets.clone();
                    for (key, value) in posterior.keys.iter().zip(&posterior.draws[draw].2) {
                        let kind = crate::scenario::timeline::kind_of(base, key).map_err(|m| {
                            invalid(path, "posterior", format!("`{key}` {m}"), None)
                        })?;
                        sets.push(match kind {
                            crate::scenario::timeline::KeyKind::Integer => {
                                format!("{key}={}", value.round() as i64)
                            }
                            crate::scenario::timeline::KeyKind::Float => format!("{key}={value:?}"),
                        });
                    }
                    let (_, setup) = prepare(&v.path, &sets)?;
                    draw_digests.push(scenario_digest(&setup));
                    draws.push(DrawSetup {
                        variant: run.variant,
                        sets,
                        synthesis: setup.synthesis_inputs(),
                    });
                    made.insert((run.variant, draw), draws.len() - 1);
                    draws.len() - 1
                }
            };
            let mut h = blake3::Hasher::new();
            h.update(draw_digests[index].as_bytes());
            h.update(&run.replicate.to_le_bytes());
            run.id = h.finalize().to_hex()[..16].to_string();
            run.draw_setup = Some(index);
        }
    }
    Ok(Plan {
        file,
        path: path.to_path_buf(),
        variants,
        prepared,
        digests,
        runs,
        draws,
    })
}

/// Digest of what determines a run's results: the resolved scenario and the municipality data.
/// The replicate count is left out: it says how many runs there are, not what one of them gives,
/// so replicate r keeps its id when replicates are added.
pub fn scenario_digest(setup: &Setup) -> String {
    let mut scenario = setup.scenario.clone();
    scenario.run.replicates = 0;
    let mut h = blake3::Hasher::new();
    h.update(
        serde_json::to_string(&scenario)
            .expect("scenario serializes")
            .as_bytes(),
    );
    for m in &setup.municipalities {
        h.update(
            format!(
                "{}|{}|{}|{}|{}\n",
                m.name, m.region, m.population, m.population_18_29, m.student_homes
            )
            .as_bytes(),
        );
    }
    h.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latin_hypercube_puts_one_point_in_every_stratum() {
        let mut axes = BTreeMap::new();
        axes.insert(
            "a.x".to_string(),
            Axis::Range {
                min: 0.0,
                max: 10.0,
            },
        );
        axes.insert("a.y".to_string(), Axis::Range { min: 1.0, max: 2.0 });
        let s = Sweep {
            scenario: "s.toml".into(),
            design: Design::LatinHypercube,
            points: 5,
            axes,
        };
        let points = sweep_points(&s, 7, 0);
        assert_eq!(points.len(), 5);
        for (axis, (min, width)) in [(0, (0.0, 10.0)), (1, (1.0, 1.0))] {
            let mut strata: Vec<usize> = points
                .iter()
                .map(|(sets, _)| {
                    let v: f64 = sets[axis].split('=').nth(1).unwrap().parse().unwrap();
                    ((v - min) / width * 5.0).floor() as usize
                })
                .collect();
            strata.sort();
            assert_eq!(strata, vec![0, 1, 2, 3, 4], "axis {axis}");
        }
        assert_eq!(points, sweep_points(&s, 7, 0), "not deterministic");
    }

    #[test]
    fn a_grid_is_every_combination() {
        let mut axes = BTreeMap::new();
        axes.insert(
            "a".to_string(),
            Axis::Values(vec![toml::Value::Integer(1), toml::Value::Integer(2)]),
        );
        axes.insert(
            "b".to_string(),
            Axis::Values(vec![
                toml::Value::Float(0.5),
                toml::Value::Float(0.6),
                toml::Value::Float(0.7),
            ]),
        );
        let s = Sweep {
            scenario: "s.toml".into(),
            design: Design::Grid,
            points: 0,
            axes,
        };
        let points = sweep_points(&s, 1, 0);
        assert_eq!(points.len(), 6);
        assert_eq!(points[0].0, vec!["a=1".to_string(), "b=0.5".to_string()]);
        assert_eq!(points[5].1, "a=2,b=0.7");
    }
}
