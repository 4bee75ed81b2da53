//! The files of one scenario run: `monthly.csv`, `pit_counts.csv`, `summary.csv`,
//! `manifest.json`. Monthly rows stream to disk replicate by replicate; only one number per
//! replicate and summary metric stays in memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::{OutputError, Staging, scaled};
use crate::engine::ReplicateResult;
use crate::metrics::MonthCounts;
use crate::stats::summarize;

type CsvOut = csv::Writer<BufWriter<File>>;

fn create_csv(path: &Path) -> Result<CsvOut, OutputError> {
    let f = File::create(path)
        .map_err(|e| OutputError::new(format!("creating {}", path.display()), e))?;
    Ok(csv::Writer::from_writer(BufWriter::with_capacity(
        1 << 20,
        f,
    )))
}

/// The week-6 count situations, in output order (VIVE's categories, with "other" for those
/// who have accepted a home and wait to move in).
pub const SITUATIONS: [&str; 4] = ["sofa", "shelter", "street", "other"];

/// Writes one run's tables into a staging folder.
pub struct RunWriter {
    staging: Staging,
    scenario: String,
    scale: f64,
    municipalities: Vec<String>,
    monthly: CsvOut,
    pit: CsvOut,
    /// Summary metrics in first-seen order, with one value per replicate.
    metrics: Vec<(String, Vec<f64>)>,
}

impl RunWriter {
    pub fn new(
        final_dir: &Path,
        scenario: &str,
        scale: f64,
        municipalities: Vec<String>,
    ) -> Result<RunWriter, OutputError> {
        let staging = Staging::new(final_dir)?;
        let mut monthly = create_csv(&staging.path("monthly.csv"))?;
        let mut header = vec!["scenario", "replicate", "month", "municipality"];
        header.extend_from_slice(MonthCounts::COLUMNS);
        monthly.write_record(&header)?;
        let mut pit = create_csv(&staging.path("pit_counts.csv"))?;
        pit.write_record([
            "scenario",
            "replicate",
            "year",
            "age_band",
            "situation",
            "count",
        ])?;
        Ok(RunWriter {
            staging,
            scenario: scenario.to_string(),
            scale,
            municipalities,
            monthly,
            pit,
            metrics: Vec::new(),
        })
    }

    fn record(&mut self, metric: String, value: f64) {
        match self.metrics.iter_mut().find(|(m, _)| *m == metric) {
            Some((_, v)) => v.push(value),
            None => self.metrics.push((metric, vec![value])),
        }
    }

    /// Appends one replicate's rows and remembers its summary metrics.
    pub fn write_replicate(&mut self, r: &ReplicateResult) -> Result<(), OutputError> {
        let mut buf = itoa::Buffer::new();
        let replicate = r.replicate.to_string();
        let scale = self.scale;
        let mut totals = MonthCounts::default();
        let mut homeless_months = 0u64;
        let mut last = MonthCounts::default();
        for (month, counts) in &r.months {
            let month_str = month.to_string();
            let mut national = MonthCounts::default();
            for (m, c) in counts.iter().enumerate() {
                self.monthly.write_field(&self.scenario)?;
                self.monthly.write_field(&replicate)?;
                self.monthly.write_field(&month_str)?;
                self.monthly.write_field(&self.municipalities[m])?;
                for v in c.values() {
                    self.monthly.write_field(buf.format(scaled(v, scale)))?;
                }
                self.monthly.write_record(None::<&[u8]>)?;
                national.add(c);
            }
            totals.add(&national);
            homeless_months += national.homeless();
            if month.is_count_month() {
                let year = month.year().to_string();
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
                for (band, values) in bands {
                    for (situation, v) in SITUATIONS.iter().zip(values) {
                        self.pit.write_record([
                            self.scenario.as_str(),
                            replicate.as_str(),
                            year.as_str(),
                            band,
                            situation,
                            buf.format(scaled(v, scale)),
                        ])?;
                    }
                }
                let y = month.year();
                let young = national.homeless_18_24() as f64 / scale;
                let older = national.homeless_25_29() as f64 / scale;
                self.record(format!("pit_18_29_{y}"), young + older);
                self.record(format!("pit_18_24_{y}"), young);
                self.record(format!("pit_25_29_{y}"), older);
            }
            last = national;
        }
        let s = |v: u64| v as f64 / scale;
        self.record("homeless_end".into(), s(last.homeless()));
        self.record("homeless_person_months".into(), s(homeless_months));
        self.record("homeless_entries".into(), s(totals.homeless_entries));
        self.record("entries_return".into(), s(totals.entries_return));
        self.record("exits_self".into(), s(totals.exits_self));
        self.record("exits_allocation".into(), s(totals.exits_allocation));
        self.record("offers".into(), s(totals.offers));
        self.record("refusals".into(), s(totals.refusals));
        self.record("shelter_cost_dkk".into(), s(totals.shelter_cost_dkk));
        self.record("support_cost_dkk".into(), s(totals.support_cost_dkk));
        self.record("budget_spend_dkk".into(), s(totals.budget_spend_dkk));
        self.record("support_starts".into(), s(totals.support_starts));
        self.record("cti_completions".into(), s(totals.cti_completions));
        self.record("support_waiting_end".into(), s(last.support_waiting));
        self.record("programme_joins".into(), s(totals.programme_joins));
        let per = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        self.record("neet_share_end".into(), per(last.neet, last.population_end));
        self.record(
            "home_ties_per_homeless_end".into(),
            per(last.home_ties_homeless, last.homeless()),
        );
        self.record(
            "street_ties_per_homeless_end".into(),
            per(last.street_ties_homeless, last.homeless()),
        );
        Ok(())
    }

    /// Writes `summary.csv`, lets `manifest` write `manifest.json` (it is handed the staging
    /// folder, to digest the finished tables), and moves the folder into place.
    pub fn finish(
        mut self,
        manifest: impl FnOnce(&Path) -> Result<(), OutputError>,
    ) -> Result<PathBuf, OutputError> {
        self.monthly
            .flush()
            .map_err(|e| OutputError::new("writing monthly.csv", e))?;
        self.pit
            .flush()
            .map_err(|e| OutputError::new("writing pit_counts.csv", e))?;
        let mut summary = create_csv(&self.staging.path("summary.csv"))?;
        summary.write_record([
            "scenario",
            "metric",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "replicates",
        ])?;
        for (metric, values) in &self.metrics {
            let st = summarize(values);
            let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
            summary.write_record([
                self.scenario.clone(),
                metric.clone(),
                st.mean.to_string(),
                opt(st.sd),
                opt(st.ci_low),
                opt(st.ci_high),
                st.n.to_string(),
            ])?;
        }
        summary
            .flush()
            .map_err(|e| OutputError::new("writing summary.csv", e))?;
        drop(summary);
        drop(self.monthly);
        drop(self.pit);
        manifest(&self.staging.dir)?;
        self.staging.commit()
    }
}
