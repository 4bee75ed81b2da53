//! Every scenario file in the repository validates, and the committed JSON Schema is current.

mod common;
use common::*;

fn toml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            toml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn every_scenario_file_validates() {
    let mut files = Vec::new();
    toml_files(&root().join("scenarios"), &mut files);
    files.sort();
    assert!(files.len() >= 2, "found {files:?}");
    let (lines, ok) = hjemsim::commands::validate(&files);
    assert!(ok, "{}", lines.join("\n"));
}

#[test]
fn the_committed_schema_is_current() {
    let committed = String::from_utf8(read(&scenario("scenario.schema.json"))).unwrap();
    assert!(
        committed == hjemsim::scenario::json_schema(),
        "scenarios/scenario.schema.json is stale: run `cargo run --release -- schema > scenarios/scenario.schema.json`"
    );
}

#[test]
fn the_schema_describes_the_scenario_sections() {
    let schema: serde_json::Value =
        serde_json::from_str(&hjemsim::scenario::json_schema()).unwrap();
    let props = schema["properties"].as_object().unwrap();
    for key in [
        "run",
        "population",
        "entry",
        "sleeping",
        "exits",
        "allocation",
        "housing",
    ] {
        assert!(props.contains_key(key), "schema lacks `{key}`");
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false)
    );
}

/// Every number a scenario holds declares its range beside its field, so the validator and the
/// editors reading the committed schema know it (only the seed and a dated change's raw point,
/// which is checked against the range of the key it changes, may be any number).
#[test]
fn every_number_in_the_schema_declares_a_range() {
    fn visit(name: &str, schema: &serde_json::Value, out: &mut Vec<String>) {
        let types: Vec<&str> = match &schema["type"] {
            serde_json::Value::String(t) => vec![t.as_str()],
            serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
            _ => Vec::new(),
        };
        if types.iter().any(|t| *t == "number" || *t == "integer") {
            let has = |a: &str, b: &str| schema.get(a).is_some() || schema.get(b).is_some();
            if !(has("minimum", "exclusiveMinimum") && has("maximum", "exclusiveMaximum")) {
                out.push(name.to_string());
            }
        }
        if let Some(items) = schema.get("items") {
            visit(&format!("{name}[]"), items, out);
        }
        if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
            for (k, v) in props {
                visit(&format!("{name}.{k}"), v, out);
            }
        }
    }
    let schema = hjemsim::scenario::schema();
    let mut unbounded = Vec::new();
    for (def, s) in schema["$defs"].as_object().unwrap() {
        visit(def, s, &mut unbounded);
    }
    visit("Scenario", schema, &mut unbounded);
    unbounded.retain(|n| n != "RunSettings.seed" && n != "ChangePoint.value");
    assert!(
        unbounded.is_empty(),
        "numbers without a declared range (add #[schemars(range(...))] beside the field): {unbounded:?}"
    );
}
