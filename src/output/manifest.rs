//! `manifest.json`: enough to reproduce a run. Everything but the `runtime` block is a function
//! of the inputs and the binary, so it is byte-identical across thread counts.

use serde::Serialize;

use crate::scenario::Scenario;

#[derive(Serialize)]
pub struct Manifest {
    pub hjemsim_version: &'static str,
    /// `git describe`-style revision the binary was built from, or `unknown`.
    pub git_revision: &'static str,
    pub target: &'static str,
    pub scenario: Scenario,
    /// The overlay chain (base first) and data files, with blake3 digests.
    pub inputs: Vec<InputFile>,
    pub sets: Vec<String>,
    pub seed: u64,
    pub replicates: u32,
    pub scale: f64,
    pub first_simulated_month: String,
    pub report_start: String,
    pub report_end: String,
    pub outputs: Vec<InputFile>,
    /// How this run went; the only part that differs between runs of the same inputs.
    pub runtime: Runtime,
}

#[derive(Serialize)]
pub struct InputFile {
    pub path: String,
    pub blake3: String,
    pub bytes: u64,
}

impl InputFile {
    /// Digest and size of the file at `path`, recorded under the name `shown`.
    pub fn of(path: &std::path::Path, shown: String) -> Result<InputFile, super::OutputError> {
        let bytes = std::fs::metadata(path)
            .map_err(|e| super::OutputError::new(format!("reading {}", path.display()), e))?
            .len();
        Ok(InputFile {
            path: shown,
            blake3: super::digest_file(path)?,
            bytes,
        })
    }
}

#[derive(Serialize)]
pub struct Runtime {
    pub threads: usize,
    pub wall_seconds: f64,
    pub agent_months: u64,
}

/// The revision baked in by `build.rs`.
pub fn git_revision() -> &'static str {
    option_env!("HJEMSIM_GIT_REVISION").unwrap_or("unknown")
}

pub fn target() -> &'static str {
    option_env!("HJEMSIM_TARGET").unwrap_or("unknown")
}
