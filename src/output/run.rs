//! The files of one scenario run: `monthly.csv`, `pit_counts.csv`, `summary.csv`,
//! `manifest.json`. Monthly rows stream to disk replicate by replicate; only one number per
//! replicate and summary metric stays in memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::{OutputError, Staging, scaled};
use crate::engine::ReplicateResult;
use crate::metrics::{MonthCounts, replicate_summary};
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

/// Writes one run's tables into a staging folder.
pub struct RunWriter {
    staging: Staging,
    scenario: String,
    scale: f64,
    municipalities: Vec<String>,
    monthly: CsvOut,
    pit: CsvOut,
    /// `costs.csv` and `municipalities.csv`; `rollout.csv` and `finance.csv` with a rollout.
    tables: Vec<(&'static str, CsvOut)>,
    /// Summary metrics in first-seen order, with one value per replicate.
    metrics: Vec<(String, Vec<f64>)>,
    /// Each replicate's national series, for `series.csv`.
    series: Vec<Vec<(crate::calendar::Month, crate::metrics::SeriesRow)>>,
}

impl RunWriter {
    pub fn new(
        final_dir: &Path,
        scenario: &str,
        scale: f64,
        municipalities: Vec<String>,
        with_rollout: bool,
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
        use super::rollout as t;
        let mut tables = Vec::new();
        let mut specs: Vec<(&'static str, &[&str])> = vec![
            ("costs.csv", &t::COSTS_HEADER),
            ("municipalities.csv", &t::MUNICIPALITIES_HEADER),
        ];
        if with_rollout {
            specs.push(("rollout.csv", &t::ROLLOUT_HEADER));
            specs.push(("finance.csv", &t::FINANCE_HEADER));
        }
        for (name, header) in specs {
            let mut w = create_csv(&staging.path(name))?;
            let mut h = vec!["scenario"];
            h.extend_from_slice(header);
            w.write_record(&h)?;
            tables.push((name, w));
        }
        Ok(RunWriter {
            tables,
            staging,
            scenario: scenario.to_string(),
            scale,
            municipalities,
            monthly,
            pit,
            metrics: Vec::new(),
            series: Vec::new(),
        })
    }

    fn record(&mut self, metric: String, value: f64) {
        match self.metrics.iter_mut().find(|(m, _)| *m == metric) {
            Some((_, v)) => v.push(value),
            None => self.metrics.push((metric, vec![value])),
        }
    }

    /// Appends one replicate's rows and remembers its summary metrics.
    pub fn write_replicate(
        &mut self,
        setup: &crate::model::Setup,
        r: &ReplicateResult,
    ) -> Result<(), OutputError> {
        use super::rollout as t;
        for (name, w) in &mut self.tables {
            let rows = match *name {
                "costs.csv" => t::cost_rows(setup, r),
                "municipalities.csv" => t::municipality_rows(setup, r),
                "rollout.csv" => t::rollout_rows(setup, r),
                _ => t::finance_rows(setup, r),
            };
            for row in rows {
                w.write_field(&self.scenario)?;
                w.write_record(&row)?;
            }
        }
        for (metric, value) in t::metrics(setup, r) {
            self.record(metric, value);
        }
        let mut buf = itoa::Buffer::new();
        let replicate = r.replicate.to_string();
        let scale = self.scale;
        for (month, counts) in &r.months {
            let month_str = month.to_string();
            for (m, c) in counts.iter().enumerate() {
                self.monthly.write_field(&self.scenario)?;
                self.monthly.write_field(&replicate)?;
                self.monthly.write_field(&month_str)?;
                self.monthly.write_field(&self.municipalities[m])?;
                for v in c.values() {
                    self.monthly.write_field(buf.format(scaled(v, scale)))?;
                }
                self.monthly.write_record(None::<&[u8]>)?;
            }
        }
        self.series
            .push(crate::metrics::national_series(&r.months, scale));
        let summary = replicate_summary(&r.months, scale);
        for p in &summary.pit {
            self.pit.write_record([
                self.scenario.as_str(),
                replicate.as_str(),
                &p.year.to_string(),
                p.age_band,
                p.situation,
                buf.format(p.count),
            ])?;
        }
        for (metric, value) in summary.metrics {
            self.record(metric, value);
        }
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
            let mut row = vec![self.scenario.clone(), metric.clone()];
            row.extend(summarize(values).csv_fields());
            summary.write_record(&row)?;
        }
        summary
            .flush()
            .map_err(|e| OutputError::new("writing summary.csv", e))?;
        drop(summary);
        let mut series = create_csv(&self.staging.path("series.csv"))?;
        series.write_record(super::SERIES_HEADER)?;
        for row in super::series_rows(&self.scenario, &self.series) {
            series.write_record(&row)?;
        }
        series
            .flush()
            .map_err(|e| OutputError::new("writing series.csv", e))?;
        drop(series);
        for (name, mut w) in self.tables {
            w.flush()
                .map_err(|e| OutputError::new(format!("writing {name}"), e))?;
        }
        drop(self.monthly);
        drop(self.pit);
        manifest(&self.staging.dir)?;
        self.staging.commit()
    }
}
