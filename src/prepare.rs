//! What every command does before it simulates: a scenario and its data loaded and checked into
//! a `Setup`, the worker pool, and the progress bar. Shared by `commands` and `experiment`, so
//! neither needs the other for it.

use std::path::Path;

use crate::data::load_municipalities;
use crate::error::Error;
use crate::model::Setup;
use crate::scenario::{Resolved, load};

/// Whether to draw progress bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Progress {
    /// On a terminal only.
    #[default]
    Auto,
    Always,
    Never,
}

/// Loads a scenario and its data, without running anything.
pub fn prepare(path: &Path, sets: &[String]) -> Result<(Resolved, Setup), Error> {
    let resolved = load(path, sets)?;
    let setup = setup_of(&resolved)?;
    Ok((resolved, setup))
}

/// The setup of a scenario already loaded: its municipality table read, its levers prepared.
/// A batch that does not keep its variants' setups makes them again from what it loaded
/// (a third of the work of [`prepare`]: reading and checking the files is the rest).
pub fn setup_of(resolved: &Resolved) -> Result<Setup, Error> {
    let municipalities = load_municipalities(&resolved.municipalities_path)?;
    Setup::new(resolved.scenario.clone(), municipalities).map_err(|e| {
        crate::scenario::ScenarioError::Invalid(vec![crate::scenario::Diagnostic {
            source: resolved
                .files
                .last()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
            line: 0,
            column: 0,
            key: e.key.clone(),
            message: format!(
                "unknown municipality `{}`; allowed: names in {}",
                e.name,
                resolved.municipalities_path.display()
            ),
        }])
        .into()
    })
}

/// A local pool of `threads` workers (0 = one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Threads {
            threads,
            message: e.to_string(),
        })
}

/// A progress bar counting `unit`s (months, runs), drawn only where `progress` says.
pub fn progress_bar(
    progress: Progress,
    len: u64,
    label: &str,
    unit: &str,
) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let visible = match progress {
        Progress::Always => true,
        Progress::Never => false,
        Progress::Auto => std::io::stderr().is_terminal(),
    };
    if !visible {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} (ETA {{eta}})"
        ))
        .expect("valid template"),
    );
    bar.set_message(label.to_string());
    bar
}
