//! Jobs and education (domain-anchors §7.4F): monthly moves between NEET, education and a job.
//! Income follows activity (see `allocation::income`), and education opens youth housing and
//! kollegium rooms (segment eligibility). Housed youth move at rates that keep the shares
//! stationary; homeless and recently rehoused youth move at the (lower) rates of §7.4F.

use crate::population::Activity;
use crate::scenario::ActivityParams;

/// For each activity, the two others in a fixed order: the targets of the two events.
pub const TARGETS: [[Activity; 2]; 3] = [
    [Activity::Education, Activity::Job],
    [Activity::Neet, Activity::Job],
    [Activity::Neet, Activity::Education],
];

/// Monthly probabilities of moving to each target, by activity, in context 0 (housed) or
/// 1 (homeless or recently rehoused).
pub fn probabilities(a: &ActivityParams) -> [[[f64; 2]; 3]; 2] {
    let table = |exit: f64, loss: f64, switch: f64| {
        [
            [exit / 2.0, exit / 2.0], // NEET -> education, job
            [loss, switch],           // education -> NEET, job
            [loss, switch],           // job -> NEET, education
        ]
    };
    [
        table(
            a.neet_exit_monthly,
            a.active_loss_monthly,
            a.study_job_switch_monthly,
        ),
        table(
            a.homeless_neet_exit_monthly,
            a.homeless_active_loss_monthly,
            a.study_job_switch_monthly,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn housed_rates_keep_the_neet_share_stationary() {
        // With the baseline's rates the NEET share that balances in- and outflow is 10 %.
        let a = ActivityParams {
            neet_exit_monthly: 0.045,
            active_loss_monthly: 0.005,
            study_job_switch_monthly: 0.015,
            homeless_neet_exit_monthly: 0.02,
            homeless_active_loss_monthly: 0.04,
            active_loss_hr: 1.0,
            active_exit_hr: 1.0,
        };
        let p = probabilities(&a)[0];
        let out_of_neet = p[0][0] + p[0][1];
        let into_neet = p[1][0];
        let share = into_neet / (into_neet + out_of_neet);
        assert!((share - 0.10).abs() < 1e-12, "{share}");
    }
}
