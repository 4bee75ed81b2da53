//! The notes beside scenario values. Every default in a scenario file names its source or says it
//! is an assumption (`[A]`) in a comment on its line (`key = value  # note`). This reads those
//! comments back with the dotted key of the value, so that a report can show where a value a
//! scenario changes or relies on comes from, and which are assumptions.
//!
//! It reads lines, not TOML: a table header (`[a.b]`, `[[a.b]]`, the n-th of which is
//! `a.b[n]`) and `key = value # note` lines, with `#` inside quotes ignored. Values that span
//! several lines keep the note of their first line. Only the comment on the value's own line
//! counts; a comment block above a table describes the table, not one value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The note on one value's line.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// Dotted key, arrays of tables indexed (`budget.items[0].share`).
    pub key: String,
    pub file: PathBuf,
    pub line: usize,
    pub note: String,
}

impl Note {
    /// Whether the note marks the value as an assumption to be calibrated.
    pub fn is_assumption(&self) -> bool {
        self.note.contains("[A]")
    }
}

/// Where a `#` outside quotes starts, if anywhere.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' => return Some(i),
                _ => {}
            },
        }
    }
    None
}

/// A bare or quoted key as written before `=`.
fn key_of(text: &str) -> Option<String> {
    let k = text.trim();
    if k.is_empty() {
        return None;
    }
    if let Some(q) = k.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return Some(q.to_string());
    }
    k.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        .then(|| k.to_string())
}

/// The notes of one file's text (`path` is recorded, not read).
pub fn notes_of(path: &Path, text: &str) -> Vec<Note> {
    let mut out = Vec::new();
    let mut table = String::new();
    let mut arrays: BTreeMap<String, usize> = BTreeMap::new();
    let mut depth = 0i32;
    for (n, line) in text.lines().enumerate() {
        let code_end = comment_start(line).unwrap_or(line.len());
        let code = line[..code_end].trim();
        let note = line[code_end..].trim_start_matches('#').trim();
        if depth > 0 {
            // Inside a value that spans lines.
            depth += code.matches('[').count() as i32 - code.matches(']').count() as i32;
            continue;
        }
        if let Some(name) = code.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            let name = name.trim().to_string();
            let k = arrays.entry(name.clone()).or_insert(0);
            table = format!("{name}[{k}]");
            *k += 1;
            continue;
        }
        if let Some(name) = code.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            table = name.trim().to_string();
            continue;
        }
        let Some((k, value)) = code.split_once('=') else {
            continue;
        };
        let Some(k) = key_of(k) else { continue };
        depth = value.matches('[').count() as i32 - value.matches(']').count() as i32;
        if note.is_empty() || k.starts_with('#') {
            continue;
        }
        let key = if table.is_empty() {
            k
        } else {
            format!("{table}.{k}")
        };
        out.push(Note {
            key,
            file: path.to_path_buf(),
            line: n + 1,
            note: note.to_string(),
        });
    }
    out
}

/// The notes of an overlay chain (base first), read from disk; unreadable files give none (they
/// were read when the scenario was loaded).
pub fn notes(files: &[PathBuf]) -> Vec<Note> {
    files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            notes_of(f, &text)
        })
        .collect()
}

/// The note for `key`: the last file of the chain that notes it wins, as its value does.
pub fn note_for<'a>(notes: &'a [Note], key: &str) -> Option<&'a Note> {
    notes.iter().rev().find(|n| n.key == key)
}

/// A scenario as dotted keys and compact values (arrays of scalars stay one value), for
/// comparing two scenarios key by key.
pub fn flatten(value: &serde_json::Value) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
        let join = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    walk(&join(k), x, out);
                }
            }
            // An empty list says nothing a key by key comparison needs.
            serde_json::Value::Array(a) if a.is_empty() => {}
            serde_json::Value::Array(a) if a.iter().any(|x| x.is_object()) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), x, out);
                }
            }
            serde_json::Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            serde_json::Value::Null => {}
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_tables_and_arrays_of_tables() {
        let text = r#"
name = "x"   # a name
[budget]
annual_dkk = 50000000   # the budget [A]; ~125 m a year (DD §6)
[[budget.items]]
lever = "units"          # "quoted # not a comment" [A]
[[budget.items]]
share = 0.3
target = "a#b"  # after a string with a hash
[set]
"run.scale" = 0.1  # quoted key
list = [
  1, # inside a list
]
after = 2 # after the list
"#;
        let n = notes_of(Path::new("f.toml"), text);
        let keys: Vec<&str> = n.iter().map(|x| x.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "name",
                "budget.annual_dkk",
                "budget.items[0].lever",
                "budget.items[1].target",
                "set.run.scale",
                "set.after"
            ]
        );
        assert!(n[1].is_assumption() && !n[0].is_assumption());
        assert_eq!(n[3].note, "after a string with a hash");
        assert_eq!(n[1].line, 4);
    }

    #[test]
    fn flatten_indexes_arrays_of_tables_only() {
        let v = serde_json::json!({"a": {"b": 1, "c": ["x", "y"]}, "items": [{"s": 0.5}], "n": null, "e": []});
        let f = flatten(&v);
        assert_eq!(f["a.b"], "1");
        assert_eq!(f["a.c"], "[\"x\",\"y\"]");
        assert_eq!(f["items[0].s"], "0.5");
        assert!(!f.contains_key("n") && !f.contains_key("e"));
    }
}
