//! What the report reads: the tables of a batch folder (or a run folder) and its manifest.
//! Nothing is simulated or recomputed from run folders here, so a report of a merged batch is
//! the report of the same batch run on one machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::output::OutputError;

/// A CSV table read whole, with columns found by name (the report's tables, `check`'s metrics).
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, OutputError> {
        let mut r = csv::Reader::from_path(path)
            .map_err(|e| OutputError::new(format!("reading {}", path.display()), io(e)))?;
        let header = r
            .headers()
            .map_err(|e| OutputError::new(format!("reading {}", path.display()), io(e)))?
            .iter()
            .map(String::from)
            .collect();
        let mut rows = Vec::new();
        for row in r.records() {
            let row =
                row.map_err(|e| OutputError::new(format!("reading {}", path.display()), io(e)))?;
            rows.push(row.iter().map(String::from).collect());
        }
        Ok(Table { header, rows })
    }

    /// The table if the file is there, an empty one if not.
    fn optional(path: &Path) -> Result<Table, OutputError> {
        if path.exists() {
            Table::read(path)
        } else {
            Ok(Table::default())
        }
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Rows as maps from column name to value.
    pub fn records(&self) -> impl Iterator<Item = BTreeMap<&str, &str>> {
        self.rows.iter().map(|r| {
            self.header
                .iter()
                .map(String::as_str)
                .zip(r.iter().map(String::as_str))
                .collect()
        })
    }
}

fn io(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

pub fn number(s: &str) -> f64 {
    s.parse().unwrap_or(f64::NAN)
}

/// A mean with its 95 % interval over replicates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    pub sd: f64,
    pub n: u32,
}

/// A paired difference against the baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effect {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// The 95 % range of one replicate's difference (with posterior draws: parameter
    /// uncertainty included).
    pub range: (f64, f64),
    pub n: u32,
}

/// One scenario of the folder.
#[derive(Clone, Debug)]
pub struct ScenarioInfo {
    pub label: String,
    pub description: String,
    pub file: String,
}

/// Everything the report shows.
#[derive(Clone, Debug)]
pub struct Folder {
    pub dir: PathBuf,
    /// A batch (with a baseline to compare with) or a single run.
    pub is_batch: bool,
    pub name: String,
    pub description: String,
    /// Baseline first.
    pub scenarios: Vec<ScenarioInfo>,
    pub summary: BTreeMap<(String, String), Estimate>,
    pub comparison: BTreeMap<(String, String), Effect>,
    /// (scenario, series) -> months with mean and interval.
    pub series: BTreeMap<(String, String), Vec<(String, Estimate)>>,
    pub pit: Table,
    pub cost_effectiveness: Table,
    pub municipality_effects: Table,
    pub assumptions: Table,
    pub history: Table,
    /// Adoptions of a single run (its `municipalities.csv`).
    pub municipalities: Table,
    pub with_posterior: bool,
    pub provenance: Vec<(String, String)>,
}

impl Folder {
    pub fn baseline(&self) -> &str {
        &self.scenarios[0].label
    }

    pub fn estimate(&self, scenario: &str, metric: &str) -> Option<Estimate> {
        self.summary
            .get(&(scenario.to_string(), metric.to_string()))
            .copied()
    }

    pub fn effect(&self, scenario: &str, metric: &str) -> Option<Effect> {
        self.comparison
            .get(&(scenario.to_string(), metric.to_string()))
            .copied()
    }

    /// The last year with a week-6 count in the results (the reporting year).
    pub fn report_year(&self) -> Option<i32> {
        self.summary
            .keys()
            .filter_map(|(_, m)| m.strip_prefix("pit_18_29_")?.parse().ok())
            .max()
    }

    /// Reported years (months of the series / 12), for costs a year.
    pub fn years(&self) -> f64 {
        let months = self
            .series
            .get(&(self.baseline().to_string(), "homeless".to_string()))
            .map_or(0, |v| v.len());
        (months as f64 / 12.0).max(1.0 / 12.0)
    }
}

fn not_a_folder(dir: &Path, what: String) -> Error {
    Error::Usage(format!(
        "{}: {what}; allowed: a folder written by `hjemsim batch`, `hjemsim merge` or `hjemsim run`",
        dir.display()
    ))
}

/// Reads a batch or run folder.
pub fn read(dir: &Path) -> Result<Folder, Error> {
    let manifest_path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| not_a_folder(dir, format!("cannot read manifest.json ({e})")))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| not_a_folder(dir, format!("manifest.json is not JSON ({e})")))?;
    if !dir.join("summary.csv").exists() {
        return Err(not_a_folder(
            dir,
            "no summary.csv (a trial writes trial.csv only)".into(),
        ));
    }
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let is_batch = manifest.get("batch").is_some();
    let mut provenance = vec![
        (
            "hjemsim".to_string(),
            format!(
                "{} (git {})",
                s(&manifest["hjemsim_version"]),
                s(&manifest["git_revision"])
            ),
        ),
        ("target".into(), s(&manifest["target"])),
    ];
    let (name, description, scenarios, with_posterior);
    if is_batch {
        let b = &manifest["batch"];
        name = s(&b["name"]);
        description = s(&b["description"]);
        scenarios = manifest["scenarios"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| ScenarioInfo {
                        label: s(&x["label"]),
                        description: s(&x["description"]),
                        file: s(&x["file"]),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        with_posterior = b.get("posterior").is_some_and(|p| !p.is_null());
        provenance.push((
            "batch file".into(),
            format!(
                "{} (blake3 {})",
                s(&manifest["batch_file"]["path"]),
                s(&manifest["batch_file"]["blake3"])
            ),
        ));
        provenance.push(("seed".into(), b["seed"].to_string()));
        provenance.push(("replicates".into(), b["replicates"].to_string()));
        if let Some(p) = b.get("posterior").and_then(|p| p.as_str()) {
            provenance.push(("posterior draws".into(), p.to_string()));
        }
        if let Some(set) = b["set"].as_object() {
            for (k, v) in set {
                provenance.push((format!("set {k}"), v.to_string()));
            }
        }
        for x in manifest["scenarios"].as_array().into_iter().flatten() {
            provenance.push((
                format!("scenario {}", s(&x["label"])),
                format!("{} (digest {})", s(&x["file"]), s(&x["digest"])),
            ));
        }
    } else {
        let sc = &manifest["scenario"];
        name = s(&sc["name"]);
        description = s(&sc["description"]);
        scenarios = vec![ScenarioInfo {
            label: name.clone(),
            description: description.clone(),
            file: manifest["inputs"]
                .as_array()
                .and_then(|a| a.iter().rev().find(|f| s(&f["path"]).ends_with(".toml")))
                .map(|f| s(&f["path"]))
                .unwrap_or_default(),
        }];
        with_posterior = false;
        provenance.push(("seed".into(), manifest["seed"].to_string()));
        provenance.push(("replicates".into(), manifest["replicates"].to_string()));
        provenance.push(("scale".into(), manifest["scale"].to_string()));
        provenance.push((
            "months".into(),
            format!(
                "{} to {} (simulated from {})",
                s(&manifest["report_start"]),
                s(&manifest["report_end"]),
                s(&manifest["first_simulated_month"])
            ),
        ));
        for f in manifest["inputs"].as_array().into_iter().flatten() {
            provenance.push((
                format!("input {}", s(&f["path"])),
                format!("blake3 {}", s(&f["blake3"])),
            ));
        }
    }
    if scenarios.is_empty() {
        return Err(not_a_folder(dir, "manifest.json names no scenario".into()));
    }

    let summary_table = Table::read(&dir.join("summary.csv"))?;
    let mut summary = BTreeMap::new();
    for r in summary_table.records() {
        let mean = number(r.get("mean").unwrap_or(&""));
        let low = number(r.get("ci95_low").unwrap_or(&""));
        let high = number(r.get("ci95_high").unwrap_or(&""));
        summary.insert(
            (
                r.get("scenario").unwrap_or(&"").to_string(),
                r.get("metric").unwrap_or(&"").to_string(),
            ),
            Estimate {
                mean,
                low: if low.is_nan() { mean } else { low },
                high: if high.is_nan() { mean } else { high },
                sd: number(r.get("sd").unwrap_or(&"")),
                n: r.get("replicates")
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0),
            },
        );
    }
    let mut comparison = BTreeMap::new();
    for r in Table::optional(&dir.join("comparison.csv"))?.records() {
        let g = |k: &str| number(r.get(k).unwrap_or(&""));
        comparison.insert(
            (
                r.get("scenario").unwrap_or(&"").to_string(),
                r.get("metric").unwrap_or(&"").to_string(),
            ),
            Effect {
                mean: g("mean_difference"),
                low: g("ci95_low"),
                high: g("ci95_high"),
                range: (g("range95_low"), g("range95_high")),
                n: r.get("replicates")
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0),
            },
        );
    }
    let mut series: BTreeMap<(String, String), Vec<(String, Estimate)>> = BTreeMap::new();
    for r in Table::optional(&dir.join("series.csv"))?.records() {
        let g = |k: &str| number(r.get(k).unwrap_or(&""));
        series
            .entry((
                r.get("scenario").unwrap_or(&"").to_string(),
                r.get("series").unwrap_or(&"").to_string(),
            ))
            .or_default()
            .push((
                r.get("month").unwrap_or(&"").to_string(),
                Estimate {
                    mean: g("mean"),
                    low: g("ci95_low"),
                    high: g("ci95_high"),
                    sd: f64::NAN,
                    n: r.get("replicates")
                        .and_then(|x| x.parse().ok())
                        .unwrap_or(0),
                },
            ));
    }
    Ok(Folder {
        dir: dir.to_path_buf(),
        is_batch,
        name,
        description,
        scenarios,
        summary,
        comparison,
        series,
        pit: Table::optional(&dir.join("pit_counts.csv"))?,
        cost_effectiveness: Table::optional(&dir.join("cost_effectiveness.csv"))?,
        municipality_effects: Table::optional(&dir.join("municipality_effects.csv"))?,
        assumptions: Table::optional(&dir.join("assumptions.csv"))?,
        history: Table::optional(&dir.join("history.csv"))?,
        municipalities: if is_batch {
            Table::default()
        } else {
            Table::optional(&dir.join("municipalities.csv"))?
        },
        with_posterior,
        provenance,
    })
}
