//! Contract 4 (DESIGN.md): bad input never panics and never leaves output behind. It gets a clear
//! error naming the file, line, key and what is allowed, and exit code 2.

mod common;
use common::*;
use std::path::Path;

/// Writes `files` into a temp folder (with the data table beside them), runs `hjemsim run` on
/// the first, and checks exit code 2, that stderr mentions every `expected` fragment, and that no
/// output was written.
fn rejected(files: &[(&str, &str)], extra: &[&str], expected: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("data")).unwrap();
    std::fs::copy(
        scenario("data/municipalities.csv"),
        tmp.path().join("data/municipalities.csv"),
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).unwrap();
    }
    let out = tmp.path().join("out");
    let first = tmp.path().join(files[0].0);
    let mut args = vec![
        "run",
        first.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "never",
    ];
    args.extend_from_slice(extra);
    let o = hjemsim(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panicked: {stderr}");
    for e in expected {
        assert!(stderr.contains(e), "stderr lacks `{e}`:\n{stderr}");
    }
    assert!(!out.exists(), "output was written for invalid input");
    // Nothing half-written beside it either.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

fn baseline_text() -> String {
    String::from_utf8(read(&scenario("denmark.toml"))).unwrap()
}

fn overlay(body: &str) -> String {
    format!("extends = \"base.toml\"\nname = \"policy\"\n{body}")
}

#[test]
fn an_out_of_range_value_names_file_line_key_and_range() {
    let bad = overlay("\n[allocation]\noffer_acceptance = 1.7\n");
    rejected(
        &[("policy.toml", &bad), ("base.toml", &baseline_text())],
        &[],
        &[
            "policy.toml:5:1",
            "allocation.offer_acceptance",
            "allowed: 0 to 1",
        ],
    );
}

#[test]
fn an_unknown_key_is_rejected_with_its_line() {
    let bad = overlay("\n[entry]\nhr_car = 14\n");
    rejected(
        &[("policy.toml", &bad), ("base.toml", &baseline_text())],
        &[],
        &["policy.toml:5:1", "unknown field `hr_car`", "hr_care"],
    );
}

#[test]
fn a_wrong_type_is_rejected() {
    let bad = overlay("\n[run]\nreplicates = \"ten\"\n");
    rejected(
        &[("policy.toml", &bad), ("base.toml", &baseline_text())],
        &[],
        &["policy.toml:5:1", "run.replicates", "u32"],
    );
}

#[test]
fn a_problem_in_the_base_file_points_at_the_base_file() {
    let base = baseline_text().replace("hr_care = 14.0", "hr_care = -3.0");
    let line = base.lines().position(|l| l.starts_with("hr_care")).unwrap() + 1;
    rejected(
        &[("policy.toml", &overlay("")), ("base.toml", &base)],
        &[],
        &[
            &format!("base.toml:{line}:1"),
            "entry.hr_care",
            "allowed: 0.01 to 100",
        ],
    );
}

#[test]
fn a_syntax_error_names_the_line() {
    rejected(
        &[("policy.toml", "name = \"x\"\n[run\nstart = 1\n")],
        &[],
        &["policy.toml:2:", "TOML syntax error"],
    );
}

#[test]
fn a_missing_extends_file_is_named() {
    rejected(
        &[("policy.toml", "extends = \"nowhere.toml\"\nname = \"x\"\n")],
        &[],
        &["policy.toml:1:1", "extends", "nowhere.toml"],
    );
}

#[test]
fn an_extends_cycle_is_named() {
    rejected(
        &[
            ("a.toml", "extends = \"b.toml\"\nname = \"a\"\n"),
            ("b.toml", "extends = \"a.toml\"\nname = \"b\"\n"),
        ],
        &[],
        &["cycle", "a.toml", "b.toml"],
    );
}

#[test]
fn a_bad_set_is_named() {
    let base = baseline_text();
    rejected(
        &[("base.toml", &base)],
        &["--set", "run.scale=2"],
        &["--set run.scale=2", "run.scale", "allowed: above 0 up to 1"],
    );
    rejected(
        &[("base.toml", &base)],
        &["--set", "budget.items[2].share=1"],
        &["budget.items[2].share", "has no element 2"],
    );
    rejected(
        &[("base.toml", &base)],
        &["--set", "housing.segments.nowhere.rent=1"],
        &["housing.segments.nowhere", "missing field `national_stock`"],
    );
    // Every section is range-checked, the later ones included.
    rejected(
        &[("base.toml", &base)],
        &["--set", "support.caseload=[25, 16, 10]"],
        &["support.caseload[0]", "allowed: 1 to 20"],
    );
    rejected(
        &[("base.toml", &base)],
        &["--set", "health.substance_remission_monthly=1.5"],
        &["health.substance_remission_monthly"],
    );
    rejected(
        &[("base.toml", &base)],
        &["--set", "entry.nonsense=1"],
        &["--set entry.nonsense=1", "unknown field `nonsense`"],
    );
}

#[test]
fn several_problems_are_reported_together() {
    let bad = overlay("\n[allocation]\noffer_acceptance = 1.7\nmove_in_lag_months = 99\n");
    rejected(
        &[("policy.toml", &bad), ("base.toml", &baseline_text())],
        &[],
        &[
            "allocation.offer_acceptance",
            "allocation.move_in_lag_months",
            "policy.toml:6:1",
        ],
    );
}

#[test]
fn a_broken_data_table_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let base = baseline_text().replace("data/municipalities.csv", "bad.csv");
    std::fs::write(tmp.path().join("base.toml"), base).unwrap();
    std::fs::write(
        tmp.path().join("bad.csv"),
        "municipality,region,population,population_18_29,student_homes,source\nA,R,100,50,0,x\nB,R,100,lots,0,x\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = hjemsim(&[
        "run",
        tmp.path().join("base.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.csv:3"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn validate_exits_2_on_a_bad_file_and_0_on_good_ones() {
    let good = hjemsim(&["validate", scenario("baseline.toml").to_str().unwrap()]);
    assert_eq!(good.status.code(), Some(0));
    let missing = hjemsim(&["validate", Path::new("no/such.toml").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such.toml"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(hjemsim(&["run"]).status.code(), Some(2));
    assert_eq!(hjemsim(&["frobnicate"]).status.code(), Some(2));
}

/// A dated change, overlaid on the baseline (which simulates from 2010-01).
fn change(body: &str) -> String {
    overlay(&format!("\n[changes.c]\n{body}\n"))
}

#[test]
fn dated_changes_are_checked_key_month_order_and_value() {
    let base = baseline_text();
    let cases: [(&str, &[&str]); 9] = [
        (
            "key = \"entry.hr_care\"\npoints = [{ month = \"2016-01\", value = 3 }, { month = \"2015-01\", value = 4 }]",
            &[
                "changes.c.points[1].month",
                "not after the previous point 2016-01",
                "increasing order",
            ],
        ),
        (
            "key = \"entry.hr_care\"\npoints = []",
            &["changes.c.points", "at least one point"],
        ),
        (
            "key = \"entry.hr_car\"\npoints = [{ month = \"2016-01\", value = 3 }]",
            &["changes.c.key", "not a key of this scenario"],
        ),
        (
            "key = \"run.scale\"\npoints = [{ month = \"2016-01\", value = 0.5 }]",
            &["changes.c.key", "cannot change over time"],
        ),
        (
            "key = \"support.offer_to\"\npoints = [{ month = \"2016-01\", value = 1 }]",
            &["changes.c.key", "not a number"],
        ),
        (
            "key = \"allocation.offer_acceptance\"\npoints = [{ month = \"2016-01\", value = 1.5 }]",
            &[
                "changes.c.points[0].value",
                "allocation.offer_acceptance",
                "allowed: 0 to 1",
            ],
        ),
        (
            "key = \"allocation.move_in_lag_months\"\npoints = [{ month = \"2016-01\", value = 1.5 }]",
            &["changes.c.points[0].value", "whole number"],
        ),
        (
            "key = \"entry.hr_care\"\npoints = [{ month = \"2016-13\", value = 3 }]",
            &["changes.c.points[0].month", "not a month"],
        ),
        (
            "key = \"entry.hr_care\"\nmunicipalities = [\"Atlantis\"]\npoints = [{ month = \"2016-01\", value = 3 }]",
            &[
                "changes.c.municipalities",
                "unknown municipality `Atlantis`",
            ],
        ),
    ];
    for (body, expected) in cases {
        rejected(
            &[("policy.toml", &change(body)), ("base.toml", &base)],
            &[],
            expected,
        );
    }
}

#[test]
fn a_rollout_with_an_unknown_concept_or_channel_names_what_is_allowed() {
    let bad = overlay(
        "\n[[rollout]]\nconcept = \"helt-hjemm\"\nchannel = \"dsi\"\nmunicipalities = [\"Aarhus\"]\nstart = \"2026-01\"\nfidelity = 1.5\n\n[[rollout]]\nconcept = \"helt-hjem\"\nchannel = \"bank\"\nselect = { size = [\"large\"] }\nstart = \"2026-13\"\n",
    );
    rejected(
        &[("policy.toml", &bad), ("base.toml", &baseline_text())],
        &[],
        &[
            "rollout[0].concept",
            "unknown concept `helt-hjemm`; allowed: 24-7, helt-hjem, housing-first, kollegium",
            "rollout[0].fidelity",
            "rollout[1].channel",
            "allowed: dsi, foundation, municipal, skf",
            "rollout[1].start",
        ],
    );
}
