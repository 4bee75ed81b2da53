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
