//! Reading the experiment files (batch, calibration targets, sensitivity): one TOML reader with
//! file:line:column diagnostics, one name check, one way to tell the kinds apart.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::scenario::{Diagnostic, ScenarioError};

/// An input error in an experiment file: exit code 2, located when the position is known.
pub(crate) fn invalid(
    path: &Path,
    key: &str,
    message: String,
    at: Option<(usize, usize)>,
) -> Error {
    let (line, column) = at.unwrap_or((0, 0));
    Error::Scenario(ScenarioError::Invalid(vec![Diagnostic {
        source: path.display().to_string(),
        line,
        column,
        key: key.to_string(),
        message,
    }]))
}

/// Reads and deserializes a TOML file; a syntax or schema error names its line and column.
pub(crate) fn read_toml<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(path, "", format!("cannot read {what}: {e}"), None))?;
    toml::from_str(&text).map_err(|e| {
        let at = e.span().map(|s| {
            let before = &text[..s.start.min(text.len())];
            (
                before.matches('\n').count() + 1,
                before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            )
        });
        invalid(path, "", e.message().trim_end().to_string(), at)
    })
}

/// An output folder name: letters, digits, `-` and `_` (so it cannot leave the output folder).
pub(crate) fn check_name(path: &Path, name: &str) -> Result<(), Error> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(
            path,
            "name",
            format!("`{name}` is not a valid name; allowed: letters, digits, `-` and `_`"),
            None,
        ));
    }
    Ok(())
}

/// Whether a TOML file has all of `keys` at its top level (how `validate` tells a batch, a
/// targets and a sensitivity file from a scenario).
pub(crate) fn has_keys(path: &Path, keys: &[&str]) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .is_some_and(|t| keys.iter().all(|k| t.contains_key(*k)))
}
