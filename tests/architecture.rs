//! The house enforces its own map (as rust-analyzer's tidy tests do): the `use crate::` graph of
//! `src/` against the layer rules in `docs/ARCHITECTURE.md`, no cycle between top-level modules,
//! and every module of `src/` in the code map.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/model/network.rs` -> `model::network`; `src/model/mod.rs` -> `model`.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let s = rel
        .with_extension("")
        .display()
        .to_string()
        .replace('/', "::");
    s.strip_suffix("::mod").map(String::from).unwrap_or(s)
}

/// The top-level modules a file's non-test code names as `crate::X`.
fn imports(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    // Unit tests sit at the end of a file, after `#[cfg(test)]`; they may reach anywhere.
    let code = text.split("#[cfg(test)]").next().unwrap();
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let line = line.split(" //").next().unwrap();
        for part in line.split("crate::").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The rules block of ARCHITECTURE.md: module -> modules it must never name.
fn rules(doc: &str) -> BTreeMap<String, Vec<String>> {
    let block = doc
        .split("### Layer rules")
        .nth(1)
        .expect("a Layer rules section")
        .split("```text")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    block
        .lines()
        .filter(|l| l.contains("!->"))
        .map(|l| {
            let (a, b) = l.split_once("!->").unwrap();
            (
                a.trim().to_string(),
                b.split_whitespace().map(String::from).collect(),
            )
        })
        .collect()
}

#[test]
fn imports_follow_the_layer_rules_without_cycles() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let rules = rules(&doc);
    assert!(rules.len() >= 10, "too few rules parsed: {rules:?}");
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut broken = Vec::new();
    for f in &files {
        let module = module_of(f);
        let top = module.split("::").next().unwrap().to_string();
        let names = imports(f);
        for (from, never) in &rules {
            if top == *from {
                for n in names.iter().filter(|n| never.contains(n)) {
                    broken.push(format!("{module} names crate::{n} ({from} !-> {n})"));
                }
            }
        }
        graph
            .entry(top.clone())
            .or_default()
            .extend(names.into_iter().filter(|n| *n != top));
    }
    assert!(
        broken.is_empty(),
        "layer rules broken:\n{}",
        broken.join("\n")
    );

    // No cycle between top-level modules (depth-first search with colours).
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(1) => {
                let start = path.iter().position(|p| p == n).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            Some(2) => return None,
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(cycle) = visit(n, &graph, &mut state, &mut Vec::new()) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn every_module_is_in_the_code_map() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let map = doc
        .split("## Code map")
        .nth(1)
        .unwrap()
        .split("## ")
        .next()
        .unwrap();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut missing = BTreeSet::new();
    for f in files {
        let rel = f.strip_prefix(root()).unwrap().display().to_string();
        // A module is mapped by its own row, or by its folder's row (`src/report/`).
        let folder = f
            .parent()
            .unwrap()
            .strip_prefix(root())
            .unwrap()
            .display()
            .to_string()
            + "/";
        let own = format!("`{rel}`");
        let in_folder = format!("`{folder}`");
        if !(map.contains(&own) || (folder != "src/" && map.contains(&in_folder))) {
            missing.insert(rel);
        }
    }
    assert!(missing.is_empty(), "not in the code map: {missing:?}");
}

#[test]
fn the_rules_parser_sees_a_broken_rule() {
    // The test above can fail: a rule that the code breaks today is reported.
    let doc = "### Layer rules\n```text\nexperiment !-> model\n```\n";
    let r = rules(doc);
    assert_eq!(r["experiment"], vec!["model".to_string()]);
    let names = imports(&root().join("src/experiment/mod.rs"));
    assert!(names.contains("model"), "{names:?}");
}

/// Seed, replicates and scale are read from `[run]` in one place (`model::RunSpec::of`) and
/// passed down as `setup.run` (or `other.run`, another setup); no other non-test code reads
/// `.run.seed`, `.run.replicates` or `.run.scale` of a scenario (the scenario layer, which
/// defines, validates and overrides them, is exempt).
#[test]
fn run_options_are_resolved_in_one_place() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut readers = Vec::new();
    for f in files {
        if module_of(&f).starts_with("scenario") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (i, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap();
            for field in ["seed", "replicates", "scale"] {
                for (at, hit) in line.match_indices(&format!(".run.{field}")) {
                    let before: String = line[..at]
                        .chars()
                        .rev()
                        .take_while(|c| c.is_ascii_alphanumeric() || "_[]".contains(*c))
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    let rest = line[at + hit.len()..].trim_start();
                    // A digest that blanks the replicate count writes it; it does not read it.
                    let writes = rest.starts_with('=') && !rest.starts_with("==");
                    // `Prepared::run` is the setup's, kept by a batch's plan.
                    let from_setup = before == "setup" || before.starts_with("prepared[");
                    let the_resolver = f.ends_with("src/model/mod.rs")
                        && line.trim() == format!("{field}: scenario.run.{field},");
                    if !(writes || from_setup || the_resolver) {
                        readers.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        readers.is_empty(),
        "read `setup.run` (model::RunSpec) instead of the scenario's [run]:\n{}",
        readers.join("\n")
    );
}
