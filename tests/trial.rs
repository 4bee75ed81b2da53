//! The virtual CTI trial: CTI lowers homeless nights, only through its hazard ratios, and
//! `hjemsim run` writes trial.csv.

mod common;
use common::*;

use hjemsim::commands::prepare;
use hjemsim::trial::{ArmResult, run_trial};

fn trial(sets: &[&str]) -> Vec<ArmResult> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let (_, setup) = prepare(&scenario("trials/cti-rct.toml"), &sets).unwrap();
    let t = setup.scenario.trial.clone().expect("a trial scenario");
    run_trial(
        &setup.params,
        &setup.scenario.population,
        &t,
        setup.scenario.run.seed,
    )
}

/// Difference of arm means and the half-width of its 95 % interval (normal, from the arms' own
/// interval half-widths).
fn difference(arms: &[ArmResult]) -> (f64, f64) {
    let half = |a: &ArmResult| a.homeless_nights.ci_high.unwrap() - a.homeless_nights.mean;
    let d = arms[1].homeless_nights.mean - arms[0].homeless_nights.mean;
    (d, (half(&arms[0]).powi(2) + half(&arms[1]).powi(2)).sqrt())
}

#[test]
fn cti_lowers_homeless_nights() {
    let arms = trial(&[]);
    assert_eq!(arms[0].arm, "cti");
    assert_eq!(arms[1].arm, "usual");
    let n = arms[0].homeless_nights.n + arms[1].homeless_nights.n;
    assert_eq!(n, 20_000);
    let (d, half) = difference(&arms);
    assert!(d - half > 0.0, "CTI saves {d} nights +- {half}");
}

#[test]
fn without_its_hazard_ratios_cti_makes_no_difference() {
    let arms = trial(&["support.cti_loss_hr=1.0", "support.post_cti_loss_hr=1.0"]);
    let (d, half) = difference(&arms);
    // Under no effect the difference is noise: 1.7 half-widths of its 95 % interval is about
    // 3.3 standard errors.
    assert!(
        d.abs() < 1.7 * half,
        "arms differ by {d} +- {half} without any CTI effect"
    );
}

#[test]
fn run_writes_trial_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let o = hjemsim(&[
        "run",
        scenario("trials/cti-rct.toml").to_str().unwrap(),
        "--out",
        tmp.path().to_str().unwrap(),
        "--set",
        "trial.cohort=2000",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(read(&tmp.path().join("cti-rct/trial.csv"))).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "arm,n,homeless_nights_mean,homeless_nights_ci_low,homeless_nights_ci_high"
    );
    assert!(lines[1].starts_with("cti,") && lines[2].starts_with("usual,"));
    assert!(tmp.path().join("cti-rct/manifest.json").exists());
}
