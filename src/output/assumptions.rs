//! `assumptions.csv`: what each scenario changes against the baseline, and the assumptions
//! (`[A]`) the comparison relies on, each with the note beside its value in the scenario files
//! and where that note is. The report's assumptions section is this table.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::scenario::Scenario;
use crate::scenario::notes::{self, Note};

pub const HEADER: [&str; 8] = [
    "scenario",
    "relation",
    "key",
    "value",
    "baseline_value",
    "status",
    "note",
    "source",
];

/// The file as `folder/file.toml`: enough to find it, the same on every machine.
fn shown(path: &Path) -> String {
    // `a/b/../c.toml` is `a/c.toml`.
    let mut clean = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir if clean.file_name().is_some() => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    let parts: Vec<String> = clean
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

fn status(note: Option<&Note>) -> &'static str {
    match note {
        Some(n) if n.is_assumption() => "assumption",
        Some(_) => "sourced",
        None => "unstated",
    }
}

fn row(
    label: &str,
    relation: &str,
    key: &str,
    value: &str,
    baseline: &str,
    note: Option<&Note>,
) -> Vec<String> {
    vec![
        label.to_string(),
        relation.to_string(),
        key.to_string(),
        value.to_string(),
        baseline.to_string(),
        status(note).to_string(),
        note.map(|n| n.note.clone()).unwrap_or_default(),
        note.map(|n| format!("{}:{}", shown(&n.file), n.line))
            .unwrap_or_default(),
    ]
}

/// Rows for `variants` (label, resolved scenario, overlay chain), the first being the baseline:
/// every key a scenario sets differently from the baseline (`changes`), then the baseline's
/// assumptions in the tables those changes touch (`relies_on`; all of them when nothing is
/// changed, as for a single run).
pub fn rows(variants: &[(&str, &Scenario, &[PathBuf])]) -> Vec<Vec<String>> {
    let mut out = vec![HEADER.map(String::from).to_vec()];
    let Some(&(base_label, base, base_files)) = variants.first() else {
        return out;
    };
    let flat =
        |s: &Scenario| notes::flatten(&serde_json::to_value(s).expect("scenario serializes"));
    let base_flat = flat(base);
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for &(label, scenario, files) in &variants[1..] {
        let own = flat(scenario);
        let own_notes = notes::notes(files);
        let keys: BTreeSet<&String> = own.keys().chain(base_flat.keys()).collect();
        for key in keys {
            if key == "name" || key == "description" || key == "extends" {
                continue;
            }
            let (v, b) = (own.get(key), base_flat.get(key));
            if v == b {
                continue;
            }
            touched.insert(key.split(['.', '[']).next().unwrap_or("").to_string());
            out.push(row(
                label,
                "changes",
                key,
                v.map_or("", |s| s.as_str()),
                b.map_or("", |s| s.as_str()),
                notes::note_for(&own_notes, key),
            ));
        }
    }
    // A change in one part acts through others: what a budget buys costs what `costs` says and
    // works as `support`, `activity`, `health` and `network` say; a rollout is paid as its
    // channel and the refund rules say.
    const RELATED: [(&str, &[&str]); 4] = [
        (
            "budget",
            &[
                "costs",
                "programmes",
                "support",
                "activity",
                "health",
                "network",
                "housing",
            ],
        ),
        ("programmes", &["costs", "activity", "health", "network"]),
        (
            "rollout",
            &["concepts", "channels", "refunds", "costs", "support"],
        ),
        ("support", &["costs"]),
    ];
    for (part, related) in RELATED {
        if touched.contains(part) {
            touched.extend(related.iter().map(|r| r.to_string()));
        }
    }
    let base_notes = notes::notes(base_files);
    let mut seen = BTreeSet::new();
    for n in base_notes.iter().rev() {
        let top = n.key.split(['.', '[']).next().unwrap_or("");
        if !n.is_assumption() || !(touched.is_empty() || touched.contains(top)) {
            continue;
        }
        // The last file's note of a key is the one in force.
        if !seen.insert(n.key.clone()) {
            continue;
        }
        let value = base_flat.get(&n.key).map_or("", |s| s.as_str());
        out.push(row(base_label, "relies_on", &n.key, value, value, Some(n)));
    }
    // Relied-on rows in file order (base first), after the changes.
    let split = out
        .iter()
        .position(|r| r[1] == "relies_on")
        .unwrap_or(out.len());
    out[split..].reverse();
    out
}
