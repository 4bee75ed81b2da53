//! The files of one scenario run: `monthly.csv`, `pit_counts.csv`, `summary.csv`,
//! `manifest.json`. Monthly rows stream to disk replicate by replicate; only one number per
//! replicate and summary metric stays in memory.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{CsvFile, OutputError, Staging, csv_field, scaled};
use crate::engine::ReplicateResult;
use crate::metrics::{MonthCounts, replicate_summary};
use crate::stats::summarize;

/// Writes one run's tables into a staging folder.
pub struct RunWriter {
    staging: Staging,
    scenario: String,
    scale: f64,
    /// Municipality names as CSV fields.
    municipalities: Vec<Vec<u8>>,
    monthly: CsvFile,
    pit: CsvFile,
    /// `costs.csv` and `municipalities.csv`; `rollout.csv` and `finance.csv` with a rollout.
    tables: Vec<(&'static str, CsvFile)>,
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
        let mut monthly = staging.csv("monthly.csv")?;
        let mut header = vec!["scenario", "replicate", "month", "municipality"];
        header.extend_from_slice(MonthCounts::COLUMNS);
        monthly.row(&header)?;
        let mut pit = staging.csv("pit_counts.csv")?;
        pit.row([
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
            let mut w = staging.csv(name)?;
            let mut h = vec!["scenario"];
            h.extend_from_slice(header);
            w.row(&h)?;
            tables.push((name, w));
        }
        Ok(RunWriter {
            tables,
            staging,
            scenario: scenario.to_string(),
            scale,
            municipalities: municipalities.iter().map(|m| csv_field(m)).collect(),
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
                w.field(&self.scenario)?;
                w.row(&row)?;
            }
        }
        for (metric, value) in t::metrics(setup, r) {
            self.record(metric, value);
        }
        let replicate = r.replicate.to_string();
        let scale = self.scale;
        // `monthly.csv` is formatted a month a task (the rows of a national replicate were
        // 50 ms through the CSV writer's field-by-field checks, after the last month), then
        // appended in month order: the bytes the writer would write.
        let lead = [csv_field(&self.scenario), csv_field(&replicate)].join(&b',');
        let names = &self.municipalities;
        // A year at a time, so that no more than a year's rows are held.
        for months in r.months.chunks(12) {
            let rows: Vec<Vec<u8>> = months
                .par_iter()
                .map(|(month, counts)| {
                    let mut buf = itoa::Buffer::new();
                    let month = csv_field(&month.to_string());
                    let mut out = Vec::with_capacity(counts.len() * 512);
                    for (name, c) in names.iter().zip(counts) {
                        out.extend_from_slice(&lead);
                        out.push(b',');
                        out.extend_from_slice(&month);
                        out.push(b',');
                        out.extend_from_slice(name);
                        for v in c.values() {
                            out.push(b',');
                            out.extend_from_slice(buf.format(scaled(v, scale)).as_bytes());
                        }
                        out.push(b'\n');
                    }
                    out
                })
                .collect();
            self.monthly.append_records(&rows)?;
        }
        let mut buf = itoa::Buffer::new();
        self.series
            .push(crate::metrics::national_series(&r.months, scale));
        let summary = replicate_summary(&r.months, scale);
        for p in &summary.pit {
            self.pit.row([
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
        self,
        manifest: impl FnOnce(&Path) -> Result<(), OutputError>,
    ) -> Result<PathBuf, OutputError> {
        self.monthly.finish()?;
        self.pit.finish()?;
        let mut summary = self.staging.csv("summary.csv")?;
        summary.row([
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
            summary.row(&row)?;
        }
        summary.finish()?;
        let mut series = self.staging.csv("series.csv")?;
        series.row(super::SERIES_HEADER)?;
        for row in super::series_rows(&self.scenario, &self.series) {
            series.row(&row)?;
        }
        series.finish()?;
        for (_, w) in self.tables {
            w.finish()?;
        }
        manifest(&self.staging.dir)?;
        self.staging.commit()
    }
}
