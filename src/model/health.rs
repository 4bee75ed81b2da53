//! Psychiatric illness and substance use (domain-anchors §7.4F): onset and remission, onset worse
//! while homeless; treatment access raises remission (the health track), discharge planning keeps
//! discharges out of homelessness (applied in `params`).

use crate::scenario::HealthParams;

/// Monthly probabilities that the psychiatric and the substance flag flip, by
/// (has psychiatric illness, has substance use, homeless).
pub fn flip_probabilities(
    h: &HealthParams,
    psychiatric: bool,
    substance: bool,
    homeless: bool,
) -> [f64; 2] {
    let psychiatric_flip = if psychiatric {
        h.psychiatric_remission_monthly * h.treatment_remission_hr
    } else if homeless {
        super::hazard::apply_hr(h.psychiatric_onset_monthly, h.psychiatric_onset_homeless_hr)
    } else {
        h.psychiatric_onset_monthly
    };
    let substance_flip = if substance {
        h.substance_remission_monthly * h.treatment_remission_hr
    } else if homeless {
        h.substance_onset_homeless_monthly
    } else {
        h.substance_onset_monthly
    };
    [psychiatric_flip.min(0.999), substance_flip.min(0.999)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> HealthParams {
        HealthParams {
            psychiatric_onset_monthly: 0.0012,
            psychiatric_onset_homeless_hr: 7.0,
            psychiatric_remission_monthly: 0.0088,
            substance_onset_monthly: 0.00128,
            substance_onset_homeless_monthly: 0.01,
            substance_remission_monthly: 0.02,
            treatment_remission_hr: 1.0,
            discharge_planning_share: 0.0,
        }
    }

    #[test]
    fn homelessness_raises_onset_and_treatment_raises_remission() {
        let h = params();
        let housed = flip_probabilities(&h, false, false, false);
        let homeless = flip_probabilities(&h, false, false, true);
        assert!(homeless[0] > 6.9 * housed[0] && homeless[0] < 7.0 * housed[0]);
        assert!(homeless[1] > housed[1]);
        let treated = HealthParams {
            treatment_remission_hr: 2.0,
            ..h.clone()
        };
        assert_eq!(
            flip_probabilities(&treated, true, true, false),
            [0.0176, 0.04]
        );
    }

    #[test]
    fn housed_rates_keep_prevalence_stationary() {
        let h = params();
        let onset = flip_probabilities(&h, false, false, false)[0];
        let remission = flip_probabilities(&h, true, false, false)[0];
        let prevalence = onset / (onset + remission);
        assert!((prevalence - 0.12).abs() < 1e-3, "{prevalence}");
    }
}
