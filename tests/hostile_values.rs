//! Contract 4, searched rather than hand-picked: every `key = value` line of the baseline is given
//! hostile values (NaN, infinities, negatives, huge numbers, wrong types). Loading and preparing
//! must give a scenario or an error, never a panic; and an invalid value must never be accepted
//! silently, which is checked for NaN (valid for no key).

mod common;
use common::*;

use rand::RngExt;

const HOSTILE: [&str; 14] = [
    "nan",
    "-nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0.5",
    "1e300",
    "4294967296",
    "18446744073709551615",
    "\"text\"",
    "true",
    "[]",
    "{ a = 1 }",
];

#[test]
fn hostile_values_give_errors_not_panics() {
    let base = String::from_utf8(read(&scenario("denmark.toml"))).unwrap();
    let lines: Vec<&str> = base.lines().collect();
    let value_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let l = lines[i].trim_start();
            !l.starts_with('#') && !l.starts_with('[') && l.contains(" = ")
        })
        .collect();
    assert!(
        value_lines.len() > 80,
        "only {} value lines",
        value_lines.len()
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::copy(
        scenario("data/municipalities.csv"),
        dir.path().join("data/municipalities.csv"),
    )
    .unwrap();
    let path = dir.path().join("hostile.toml");
    let mut rng = hjemsim::rng::test_rng(2026);
    let (mut accepted, mut rejected) = (0, 0);
    for &i in &value_lines {
        let key = lines[i].split(" = ").next().unwrap().trim();
        let trials: Vec<&str> = if matches!(key, "name" | "description" | "extends") {
            vec![HOSTILE[rng.random_range(0..HOSTILE.len())]]
        } else {
            HOSTILE.to_vec()
        };
        for value in trials {
            let mut text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            text[i] = format!("{key} = {value}");
            // Preparing loads, validates and apportions; it builds no population, so it is cheap.
            std::fs::write(&path, text.join("\n")).unwrap();
            match hjemsim::commands::prepare(&path, &[]) {
                Ok(_) => {
                    assert!(!value.contains("nan"), "`{key} = {value}` was accepted");
                    accepted += 1;
                }
                Err(e) => {
                    assert_eq!(e.exit_code(), 2, "`{key} = {value}`: {e}");
                    let said = e.to_string();
                    assert!(
                        said.contains("hostile.toml") || said.contains("`data.municipalities`"),
                        "`{key} = {value}`: {e}"
                    );
                    rejected += 1;
                }
            }
        }
    }
    // Most hostile values are wrong for most keys; some (0, true for a bool) are fine.
    assert!(
        rejected > 10 * accepted,
        "{rejected} rejected, {accepted} accepted"
    );
}
