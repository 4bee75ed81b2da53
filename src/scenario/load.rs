//! Reading scenario files: `extends` overlays, `--set` overrides, and diagnostics that name the
//! file, line, column and key of every problem.
//!
//! The overlay chain is parsed twice per file: once into a plain `toml::Table` that is merged
//! (tables merge key by key, anything else is replaced whole), and once into toml's spanned tree,
//! kept only to point at the line of a key when something is wrong. For every key of the merged
//! document we remember which file (or which `--set`) gave it its value.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table, Value};

use super::types::Scenario;
use super::validate::validate;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file of the overlay chain, by index into [`Resolved::files`].
    File(usize),
    /// A `--set` given on the command line, by index.
    Set(usize),
}

/// One problem in the input, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// `path/to/file.toml`, or `--set key=value`.
    pub source: String,
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `entry.hr_care` or `housing.segments[1].rent`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: ", self.source, self.line, self.column)?;
        } else {
            write!(f, "{}: ", self.source)?;
        }
        if self.key.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "key `{}`: {}", self.key, self.message)
        }
    }
}

/// Why a scenario could not be loaded. Every variant is invalid input (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

fn render(diags: &[Diagnostic]) -> String {
    let mut s = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&d.to_string());
    }
    s
}

impl ScenarioError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Invalid(d) => d,
        }
    }
}

/// A scenario after overlays and overrides, with the files it came from.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub scenario: Scenario,
    /// The overlay chain, base first; the last is the file named on the command line.
    pub files: Vec<PathBuf>,
    /// The `--set` overrides, as given.
    pub sets: Vec<String>,
    /// The municipality table, resolved relative to the file that named it.
    pub municipalities_path: PathBuf,
}

struct SourceFile {
    path: PathBuf,
    text: String,
    table: Table,
}

/// Loads a scenario file with its `extends` chain and the `--set` overrides, and validates it.
pub fn load(path: &Path, sets: &[String]) -> Result<Resolved, ScenarioError> {
    let mut chain: Vec<SourceFile> = Vec::new();
    read_chain(path, &mut chain, None)?;
    chain.reverse(); // base first

    let mut merged = Table::new();
    let mut origin: BTreeMap<String, Origin> = BTreeMap::new();
    for (i, f) in chain.iter().enumerate() {
        merge_into(&mut merged, &f.table, "", &Origin::File(i), &mut origin);
    }
    // `extends` describes the file it stands in; the resolved scenario keeps the top file's.
    match chain.last().and_then(|f| f.table.get("extends")) {
        Some(v) => {
            merged.insert("extends".into(), v.clone());
        }
        None => {
            merged.remove("extends");
        }
    }

    let mut diags = Vec::new();
    for (i, set) in sets.iter().enumerate() {
        if let Err(d) = apply_set(&mut merged, set, i, &mut origin) {
            diags.push(d);
        }
    }
    if !diags.is_empty() {
        return Err(ScenarioError::Invalid(diags));
    }

    let locate = |key: &str, message: String| locate(&chain, sets, &origin, key, message);

    let scenario: Scenario =
        match serde_path_to_error::deserialize::<_, Scenario>(Value::Table(merged.clone())) {
            Ok(s) => s,
            Err(e) => {
                let key = path_string(e.path());
                let message = e.inner().message().trim_end().to_string();
                return Err(ScenarioError::Invalid(vec![locate(&key, message)]));
            }
        };

    let problems = validate(&scenario);
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(
            problems
                .into_iter()
                .map(|p| locate(&p.key, p.message))
                .collect(),
        ));
    }

    // A key that a later file (or a --set) gives a value, while an earlier file's dated change
    // of that key takes over from its first point, would be silently ignored: refuse it.
    let rank = |o: &Origin| match o {
        Origin::File(i) => *i,
        Origin::Set(k) => chain.len() + k,
    };
    let origin_of = |key: &str| -> Option<&Origin> {
        let mut probe = key.to_string();
        loop {
            if let Some(o) = origin.get(&probe) {
                return Some(o);
            }
            if let Some(open) = probe.rfind('[')
                && probe.ends_with(']')
            {
                probe.truncate(open);
                continue;
            }
            probe = parent_path(&probe)?;
        }
    };
    let mut shadowed = Vec::new();
    for (name, change) in &scenario.changes {
        let (Some(defined), Some(valued)) = (
            origin_of(&format!("changes.{name}.key")),
            origin_of(&change.key),
        ) else {
            continue;
        };
        if rank(valued) > rank(defined) {
            let first = change
                .points
                .first()
                .map(|p| p.month.as_str())
                .unwrap_or("");
            shadowed.push(locate(
                &change.key,
                format!(
                    "this value is overridden from {first} on by the dated change `changes.{name}` of an earlier file; allowed: change that series instead (e.g. `--set changes.{name}.points[0].value=...`)"
                ),
            ));
        }
    }
    if !shadowed.is_empty() {
        return Err(ScenarioError::Invalid(shadowed));
    }

    let municipalities_path = match origin.get("data.municipalities") {
        Some(Origin::File(i)) => {
            let dir = chain[*i].path.parent().unwrap_or(Path::new("."));
            dir.join(&scenario.data.municipalities)
        }
        _ => PathBuf::from(&scenario.data.municipalities),
    };

    Ok(Resolved {
        scenario,
        files: chain.into_iter().map(|f| f.path).collect(),
        sets: sets.to_vec(),
        municipalities_path,
    })
}

/// Reads `path` and every file it extends, top file first.
fn read_chain(
    path: &Path,
    chain: &mut Vec<SourceFile>,
    named_by: Option<(usize, &str)>,
) -> Result<(), ScenarioError> {
    let shown = path.display().to_string();
    let here_error = |message: String| -> ScenarioError {
        match named_by {
            Some((i, _)) => {
                let parent = &chain[i];
                let (line, column) = key_position(&parent.text, &["extends"]).unwrap_or((1, 1));
                ScenarioError::Invalid(vec![Diagnostic {
                    source: parent.path.display().to_string(),
                    line,
                    column,
                    key: "extends".into(),
                    message,
                }])
            }
            None => ScenarioError::Invalid(vec![Diagnostic {
                source: shown.clone(),
                line: 0,
                column: 0,
                key: String::new(),
                message,
            }]),
        }
    };

    let canonical = path
        .canonicalize()
        .map_err(|e| here_error(format!("cannot read scenario file `{shown}`: {e}")))?;
    if chain
        .iter()
        .any(|f| f.path.canonicalize().ok().as_ref() == Some(&canonical))
    {
        let cycle: Vec<String> = chain
            .iter()
            .map(|f| f.path.display().to_string())
            .chain(std::iter::once(shown.clone()))
            .collect();
        return Err(here_error(format!(
            "`extends` makes a cycle: {}",
            cycle.join(" -> ")
        )));
    }
    if chain.len() >= 16 {
        return Err(here_error("`extends` chain is deeper than 16 files".into()));
    }

    let text = std::fs::read_to_string(path)
        .map_err(|e| here_error(format!("cannot read scenario file `{shown}`: {e}")))?;
    let table: Table = toml::from_str(&text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((1, 1));
        ScenarioError::Invalid(vec![Diagnostic {
            source: shown.clone(),
            line,
            column,
            key: String::new(),
            message: format!("TOML syntax error: {}", e.message().trim_end()),
        }])
    })?;

    let extends = match table.get("extends") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            let (line, column) = key_position(&text, &["extends"]).unwrap_or((1, 1));
            return Err(ScenarioError::Invalid(vec![Diagnostic {
                source: shown,
                line,
                column,
                key: "extends".into(),
                message: format!(
                    "expected a file path as a string, found {}",
                    other.type_str()
                ),
            }]));
        }
    };

    chain.push(SourceFile {
        path: path.to_path_buf(),
        text,
        table,
    });
    if let Some(base) = extends {
        let index = chain.len() - 1;
        let dir = path.parent().unwrap_or(Path::new("."));
        let base_path = dir.join(&base);
        read_chain(&base_path, chain, Some((index, "extends")))?;
    }
    Ok(())
}

/// Merges `top` into `base`: tables key by key, everything else replaced whole.
fn merge_into(
    base: &mut Table,
    top: &Table,
    prefix: &str,
    origin: &Origin,
    origins: &mut BTreeMap<String, Origin>,
) {
    for (k, v) in top {
        if prefix.is_empty() && k == "extends" {
            continue;
        }
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(t)) => {
                merge_into(b, t, &path, origin, origins);
            }
            _ => {
                // Replaced whole: forget what the base said below this key.
                let below = format!("{path}.");
                origins.retain(|p, _| !p.starts_with(&below));
                if let Value::Table(t) = v {
                    let mut fresh = Table::new();
                    merge_into(&mut fresh, t, &path, origin, origins);
                    base.insert(k.clone(), Value::Table(fresh));
                } else {
                    base.insert(k.clone(), v.clone());
                }
                origins.insert(path, origin.clone());
            }
        }
    }
}

/// Applies one `--set key.path=value`. The value is TOML (`0.5`, `true`, `"text"`, `[1, 2]`);
/// a bare word that is not TOML is taken as a string, so `--set name=test` works.
fn apply_set(
    merged: &mut Table,
    set: &str,
    index: usize,
    origins: &mut BTreeMap<String, Origin>,
) -> Result<(), Diagnostic> {
    let diag = |key: &str, message: String| Diagnostic {
        source: format!("--set {set}"),
        line: 0,
        column: 0,
        key: key.to_string(),
        message,
    };
    let Some((key, raw)) = set.split_once('=') else {
        return Err(diag(
            "",
            "expected `key.path=value`, e.g. `--set allocation.offer_acceptance=0.9`".into(),
        ));
    };
    let key = key.trim();
    let parts = split_path(key);
    if key.is_empty() || key.split('.').any(|p| p.is_empty()) || parts.is_empty() {
        return Err(diag(
            key,
            "the key path is empty or has an empty part".into(),
        ));
    }
    // A path may end in an array element (`exits.type_exit_monthly[0]`): walk to the array's
    // key, then replace the element.
    let mut parts = parts;
    let element = match parts
        .last()
        .and_then(|p| p.strip_prefix('[')?.strip_suffix(']'))
    {
        Some(index) => {
            let index = index.to_string();
            parts.pop();
            if parts.is_empty() || parts[parts.len() - 1].starts_with('[') {
                return Err(diag(
                    key,
                    "the key path must name an array before an index".into(),
                ));
            }
            Some(index)
        }
        None => None,
    };
    let value = match toml::from_str::<Table>(&format!("v = {}", raw.trim())) {
        Ok(mut t) => t.remove("v").expect("parsed key"),
        Err(_) => Value::String(raw.trim().to_string()),
    };
    let mut table = merged;
    let mut k = 0;
    while k < parts.len() - 1 {
        let part = &parts[k];
        let entry = table
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        let entry = match parts[k + 1]
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
        {
            Some(index) => {
                k += 1;
                let Value::Array(items) = entry else {
                    return Err(diag(
                        key,
                        format!("`{part}` is not an array, so it has no element {index}"),
                    ));
                };
                let len = items.len();
                match index.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(item) => item,
                    None => {
                        return Err(diag(
                            key,
                            format!(
                                "`{part}` has {len} elements; allowed indices: 0 to {}",
                                len.saturating_sub(1)
                            ),
                        ));
                    }
                }
            }
            None => entry,
        };
        match entry {
            Value::Table(t) => table = t,
            _ => {
                return Err(diag(
                    key,
                    format!(
                        "`{}` is a value, not a table, so it has no key `{}`",
                        parts[..=k].join("."),
                        parts[k + 1]
                    ),
                ));
            }
        }
        k += 1;
    }
    let last = parts[parts.len() - 1].to_string();
    match element {
        None => {
            table.insert(last, value);
        }
        Some(index) => {
            let Some(Value::Array(items)) = table.get_mut(&last) else {
                return Err(diag(
                    key,
                    format!("`{last}` is not an array, so it has no element {index}"),
                ));
            };
            let len = items.len();
            match index.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => *item = value,
                None => {
                    return Err(diag(
                        key,
                        format!(
                            "`{last}` has {len} elements; allowed indices: 0 to {}",
                            len.saturating_sub(1)
                        ),
                    ));
                }
            }
        }
    }
    let below = format!("{key}.");
    origins.retain(|p, _| !p.starts_with(&below));
    origins.insert(key.to_string(), Origin::Set(index));
    Ok(())
}

/// Turns a key path and a message into a diagnostic at the place that set the key.
fn locate(
    chain: &[SourceFile],
    sets: &[String],
    origins: &BTreeMap<String, Origin>,
    key: &str,
    message: String,
) -> Diagnostic {
    // The origin of the key itself or of the closest ancestor that was set whole.
    let mut probe = key.to_string();
    let found = loop {
        if let Some(o) = origins.get(&probe) {
            break Some(o.clone());
        }
        match parent_path(&probe) {
            Some(p) => probe = p,
            None => break None,
        }
    };
    // A key no file gave (a missing field, an unknown key from --set): the top file, or the
    // newest file that has the key's table.
    let origin = found.unwrap_or_else(|| {
        let mut best = Origin::File(chain.len() - 1);
        let mut probe = key.to_string();
        'outer: while let Some(p) = parent_path(&probe) {
            for (i, f) in chain.iter().enumerate().rev() {
                if key_position(&f.text, &split_path(&p)).is_some() {
                    best = Origin::File(i);
                    break 'outer;
                }
            }
            probe = p;
        }
        best
    });
    match origin {
        Origin::Set(i) => Diagnostic {
            source: format!("--set {}", sets[i]),
            line: 0,
            column: 0,
            key: key.to_string(),
            message,
        },
        Origin::File(i) => {
            let f = &chain[i];
            // Point at the key, or at the closest enclosing key that the file has.
            let mut parts = split_path(key);
            let (line, column) = loop {
                if let Some(pos) = key_position(&f.text, &parts) {
                    break pos;
                }
                if parts.pop().is_none() || parts.is_empty() {
                    break (1, 1);
                }
            };
            Diagnostic {
                source: f.path.display().to_string(),
                line,
                column,
                key: key.to_string(),
                message,
            }
        }
    }
}

/// `a.b[2].c` -> `["a", "b", "[2]", "c"]`
fn split_path(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(rest[..open].to_string());
            }
            let close = rest[open..]
                .find(']')
                .map(|c| open + c + 1)
                .unwrap_or(rest.len());
            out.push(rest[open..close].to_string());
            rest = &rest[close..];
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

fn parent_path(key: &str) -> Option<String> {
    if key.ends_with(']') {
        return key.rfind('[').map(|i| key[..i].to_string());
    }
    key.rfind('.').map(|i| key[..i].to_string())
}

/// Line and column (1-based) of the key at `parts` in a TOML text, if the text has it.
fn key_position(text: &str, parts: &[impl AsRef<str>]) -> Option<(usize, usize)> {
    let doc = DeTable::parse(text).ok()?;
    let mut table: &DeTable = doc.get_ref();
    let mut value: Option<&Spanned<DeValue>> = None;
    let mut span = None;
    for part in parts {
        let part = part.as_ref();
        if let Some(idx) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            let i: usize = idx.parse().ok()?;
            let DeValue::Array(arr) = value?.get_ref() else {
                return None;
            };
            let v = arr.get(i)?;
            span = Some(v.span());
            value = Some(v);
        } else {
            if let Some(v) = value {
                match v.get_ref() {
                    DeValue::Table(t) => table = t,
                    _ => return None,
                }
            }
            let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
            span = Some(k.span());
            value = Some(v);
        }
    }
    span.map(|s| line_col(text, s.start))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut s = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => s.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths_with_indices() {
        assert_eq!(
            split_path("housing.segments[1].rent"),
            vec!["housing", "segments", "[1]", "rent"]
        );
        assert_eq!(
            parent_path("housing.segments[1]"),
            Some("housing.segments".into())
        );
        assert_eq!(parent_path("run"), None);
    }

    #[test]
    fn finds_key_positions() {
        let text = "name = \"x\"\n\n[entry]\nhr_care = 14\n\n[[housing.segments]]\nrent = 1\n\n[[housing.segments]]\n  rent = 2\n";
        assert_eq!(key_position(text, &["entry", "hr_care"]), Some((4, 1)));
        assert_eq!(
            key_position(text, &["housing", "segments", "[1]", "rent"]),
            Some((10, 3))
        );
        assert_eq!(key_position(text, &["entry", "nope"]), None);
    }
}
