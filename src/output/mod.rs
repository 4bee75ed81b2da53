//! Writing results: a run's files are written into a hidden staging folder beside the target and
//! renamed into place only when every file is complete, so a crash, a full disk or an invalid
//! input never leaves half-written output behind.

pub mod assumptions;
pub mod manifest;
pub mod rollout;
pub mod run;

use std::path::{Path, PathBuf};

/// An I/O failure with what was being done (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct OutputError {
    pub context: String,
    #[source]
    pub source: std::io::Error,
}

impl OutputError {
    pub fn new(context: impl Into<String>, source: std::io::Error) -> Self {
        OutputError {
            context: context.into(),
            source,
        }
    }
}

impl From<csv::Error> for OutputError {
    fn from(e: csv::Error) -> Self {
        OutputError::new("writing CSV", std::io::Error::other(e))
    }
}

/// A folder being written: `final_dir` appears (or is replaced) only on [`Staging::commit`].
/// Dropped without commit, the staging folder is removed.
pub struct Staging {
    pub dir: PathBuf,
    final_dir: PathBuf,
    committed: bool,
}

impl Staging {
    pub fn new(final_dir: &Path) -> Result<Staging, OutputError> {
        let parent = final_dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .map_err(|e| OutputError::new(format!("creating {}", parent.display()), e))?;
        let name = final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| OutputError::new(format!("clearing {}", dir.display()), e))?;
        }
        std::fs::create_dir(&dir)
            .map_err(|e| OutputError::new(format!("creating {}", dir.display()), e))?;
        Ok(Staging {
            dir,
            final_dir: final_dir.to_path_buf(),
            committed: false,
        })
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Moves the finished folder into place, replacing an older one.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let old = self.final_dir.with_file_name(format!(
            ".{}.old-{}",
            self.final_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.final_dir.exists();
        if had_old {
            std::fs::rename(&self.final_dir, &old).map_err(|e| {
                OutputError::new(format!("moving aside {}", self.final_dir.display()), e)
            })?;
        }
        std::fs::rename(&self.dir, &self.final_dir).map_err(|e| {
            OutputError::new(format!("renaming into {}", self.final_dir.display()), e)
        })?;
        self.committed = true;
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(self.final_dir.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Writes a file whole or not at all: a temporary name beside it, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)
        .map_err(|e| OutputError::new(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        OutputError::new(format!("renaming into {}", path.display()), e)
    })
}

pub use crate::metrics::scaled;

/// Peak resident memory of this process so far, in KiB (`VmHWM` of `/proc/self/status`), where
/// the system reports it.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// blake3 digest of a file, in hex.
pub fn digest_file(path: &Path) -> Result<String, OutputError> {
    let bytes = std::fs::read(path)
        .map_err(|e| OutputError::new(format!("reading {}", path.display()), e))?;
    Ok(blake3::hash(&bytes).to_hex().to_string())
}

/// Columns of a folder's `series.csv`: per scenario, month and series of
/// [`crate::metrics::SERIES`], the mean over replicates and its 95 % interval.
pub const SERIES_HEADER: [&str; 7] = [
    "scenario",
    "month",
    "series",
    "mean",
    "ci95_low",
    "ci95_high",
    "replicates",
];

/// `series.csv` rows of one scenario from its replicates' national series (same months each).
pub fn series_rows(
    scenario: &str,
    replicates: &[Vec<(crate::calendar::Month, crate::metrics::SeriesRow)>],
) -> Vec<Vec<String>> {
    let Some(first) = replicates.first() else {
        return Vec::new();
    };
    let mut rows = Vec::with_capacity(first.len() * crate::metrics::SERIES.len());
    for (k, (month, _)) in first.iter().enumerate() {
        for (j, name) in crate::metrics::SERIES.iter().enumerate() {
            let values: Vec<f64> = replicates.iter().map(|r| r[k].1[j]).collect();
            let s = crate::stats::summarize(&values);
            rows.push(vec![
                scenario.to_string(),
                month.to_string(),
                name.to_string(),
                s.mean.to_string(),
                s.ci_low.unwrap_or(s.mean).to_string(),
                s.ci_high.unwrap_or(s.mean).to_string(),
                s.n.to_string(),
            ]);
        }
    }
    rows
}
