//! Writing results, in one place: a folder is written into a hidden staging folder beside its
//! target and renamed into place only when every file is complete ([`Staging`]); a single file
//! is written under a temporary name and renamed ([`write_atomic`]); CSV goes through
//! [`CsvFile`], whose every error names the file. So a crash, a full disk or an invalid input
//! never leaves half-written output behind, and an I/O error says which file it hit.

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

/// The I/O error inside a CSV error (a full disk, a closed pipe), or the CSV error itself.
fn csv_io(e: csv::Error) -> std::io::Error {
    if e.is_io_error()
        && let csv::ErrorKind::Io(io) = e.into_kind()
    {
        return io;
    }
    std::io::Error::other("CSV writer error")
}

/// A CSV file being written (into a [`Staging`] folder); every error names the file.
pub struct CsvFile {
    path: PathBuf,
    /// Present between calls: [`CsvFile::append_records`] takes it apart and puts it back (only
    /// a failed write leaves it out, and the file is then abandoned with its staging folder).
    w: Option<csv::Writer<std::io::BufWriter<std::fs::File>>>,
}

impl CsvFile {
    pub fn create(path: &Path) -> Result<CsvFile, OutputError> {
        let f = std::fs::File::create(path)
            .map_err(|e| OutputError::new(format!("creating {}", path.display()), e))?;
        Ok(CsvFile {
            path: path.to_path_buf(),
            w: Some(csv::Writer::from_writer(std::io::BufWriter::with_capacity(
                1 << 20,
                f,
            ))),
        })
    }

    fn writer(&mut self) -> &mut csv::Writer<std::io::BufWriter<std::fs::File>> {
        self.w.as_mut().expect("a CSV writer between calls")
    }

    fn error(&self, e: std::io::Error) -> OutputError {
        OutputError::new(format!("writing {}", self.path.display()), e)
    }

    /// Writes one record.
    pub fn row<I, T>(&mut self, record: I) -> Result<(), OutputError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer()
            .write_record(record)
            .map_err(|e| self.error(csv_io(e)))
    }

    /// Writes one field of the current record (the next [`CsvFile::row`] ends it).
    pub fn field(&mut self, field: impl AsRef<[u8]>) -> Result<(), OutputError> {
        self.writer()
            .write_field(field)
            .map_err(|e| self.error(csv_io(e)))
    }

    /// Appends whole records already in CSV form, chunk after chunk (each record ending in
    /// `\n`, fields as
    /// [`csv_field`] writes them): for large numeric tables, where the writer's per-field
    /// quoting checks were most of the cost of a run folder.
    pub fn append_records(&mut self, chunks: &[Vec<u8>]) -> Result<(), OutputError> {
        use std::io::Write;
        // What the CSV writer holds goes to the file's buffer first, so records stay in the
        // order written; the writer then starts again on the same buffer.
        let w = self.w.take().expect("a CSV writer between calls");
        let mut file = w.into_inner().map_err(|e| {
            OutputError::new(format!("writing {}", self.path.display()), e.into_error())
        })?;
        let written = chunks.iter().try_for_each(|bytes| file.write_all(bytes));
        self.w = Some(csv::Writer::from_writer(file));
        written.map_err(|e| self.error(e))
    }

    /// Flushes everything to the file; an error here (a full disk) names the file too.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.writer().flush().map_err(|e| self.error(e))
    }
}

/// Every record of a CSV file with a header; an error names the file.
pub fn read_csv(path: &Path) -> Result<Vec<csv::StringRecord>, OutputError> {
    let error = |e: csv::Error| OutputError::new(format!("reading {}", path.display()), csv_io(e));
    let mut r = csv::Reader::from_path(path).map_err(error)?;
    r.records().collect::<Result<_, _>>().map_err(error)
}

/// One field as the CSV writer writes it within a record of more than one field: quoted only
/// where needed (a lone empty field would be quoted, so it is taken from a record of two).
pub fn csv_field(field: &str) -> Vec<u8> {
    let mut bytes = csv_bytes([[field, ""]]);
    // The empty second field leaves its delimiter and the record's terminator.
    bytes.truncate(bytes.len() - 2);
    bytes
}

/// CSV in memory (for [`write_atomic`]), which cannot fail on I/O.
pub fn csv_bytes<R, T>(rows: impl IntoIterator<Item = R>) -> Vec<u8>
where
    R: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).expect("CSV into memory");
    }
    w.into_inner().expect("CSV into memory")
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
        // `.tmp-*`: never read, and cleared by a batch's next start (ARCHITECTURE invariant 12).
        let dir = parent.join(format!(".tmp-{name}-{}", std::process::id()));
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

    /// Writes one whole file into the folder; an error names it.
    pub fn write(&self, file: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.path(file);
        std::fs::write(&path, bytes)
            .map_err(|e| OutputError::new(format!("writing {}", path.display()), e))
    }

    /// A CSV file in the folder.
    pub fn csv(&self, file: &str) -> Result<CsvFile, OutputError> {
        CsvFile::create(&self.path(file))
    }

    /// Moves the finished folder into place, replacing an older one.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let old = self.final_dir.with_file_name(format!(
            ".tmp-{}-{}.old",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Records appended as bytes between records written through the CSV writer give the file
    /// the writer alone would have written, with text fields that need quoting among them.
    #[test]
    fn appended_records_are_the_records_the_writer_writes() {
        let rows = [
            ["scenario", "name", "count"],
            ["a,b", "Høje-Taastrup", "1"],
            ["say \"hi\"", "", "22"],
            ["plain", "line\nbreak", "333"],
            ["last", "x", "4"],
        ];
        let dir = std::env::temp_dir().join(format!("hjemsim-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        let mut f = CsvFile::create(&path).unwrap();
        f.row(rows[0]).unwrap();
        let chunk = |r: &[&str; 3]| {
            let mut out = r.map(csv_field).join(&b',');
            out.push(b'\n');
            out
        };
        f.append_records(&[chunk(&rows[1]), chunk(&rows[2])])
            .unwrap();
        f.append_records(&[chunk(&rows[3])]).unwrap();
        f.row(rows[4]).unwrap();
        f.finish().unwrap();
        let written = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(written, csv_bytes(rows));
    }
}
