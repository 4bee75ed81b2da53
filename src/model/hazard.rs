//! Hazard arithmetic, exactly as in domain-anchors.md ("Conversion conventions"):
//!
//! * cumulative P over T months to a monthly probability: p = 1 - (1 - P)^(1/T);
//! * hazard ratio on a monthly probability: p' = 1 - (1 - p)^HR;
//! * several risk factors: HR = exp(shrinkage * sum ln HR_k) (§7.4A, log-additive with shrinkage);
//! * competing events in one month: rates l_k = -ln(1 - p_k),
//!   P(event k) = l_k / sum(l) * (1 - exp(-sum(l))).
//!
//! These run when parameters are prepared, never per person per month.

/// Monthly probability from a cumulative probability over `months`.
pub fn monthly_from_cumulative(cumulative: f64, months: f64) -> f64 {
    1.0 - (1.0 - cumulative).powf(1.0 / months)
}

/// Applies a hazard ratio to a monthly probability.
pub fn apply_hr(p: f64, hr: f64) -> f64 {
    1.0 - (1.0 - p).powf(hr)
}

/// Combines hazard ratios log-additively with shrinkage.
pub fn combine_hrs(hrs: &[f64], shrinkage: f64) -> f64 {
    (shrinkage * hrs.iter().map(|h| h.ln()).sum::<f64>()).exp()
}

/// Monthly probability from a mean duration in months (exponential stay).
pub fn monthly_from_mean_duration(months: f64) -> f64 {
    1.0 - (-1.0 / months).exp()
}

/// Splits a month among competing events with monthly probabilities `p`: the probabilities of
/// each event happening first (and so at all) this month. They sum to `1 - prod(1 - p_k)`.
///
/// An array in, an array out: the eventful step calls this for people who are homeless,
/// supported or in an institution every month, so it must not allocate.
pub fn competing<const N: usize>(p: &[f64; N]) -> [f64; N] {
    let rates: [f64; N] = p.map(|x| -(1.0 - x).ln());
    let total: f64 = rates.iter().sum();
    if total <= 0.0 {
        return [0.0; N];
    }
    let any = 1.0 - (-total).exp();
    rates.map(|r| r / total * any)
}

/// Cumulative 32-bit thresholds for competing events: event k happens when
/// `thresholds[k-1] <= draw < thresholds[k]` (with `thresholds[-1] = 0`).
pub fn cumulative_thresholds<const N: usize>(p: &[f64; N]) -> [u32; N] {
    let probs = competing(p);
    let mut out = [0u32; N];
    let mut acc = 0.0;
    for (k, q) in probs.iter().enumerate() {
        acc += q;
        out[k] = crate::rng::threshold(acc);
    }
    out
}

/// Which of the competing events a draw selects, if any.
#[inline(always)]
pub fn pick<const N: usize>(thresholds: &[u32; N], draw: u32) -> Option<usize> {
    if draw >= thresholds[N - 1] {
        return None;
    }
    thresholds.iter().position(|&t| draw < t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn cumulative_to_monthly_round_trips() {
        // 4 % within 12 months (care leavers, §7.4A).
        let p = monthly_from_cumulative(0.04, 12.0);
        assert!(close(1.0 - (1.0 - p).powi(12), 0.04, 1e-12));
        assert!(close(p, 0.003396, 1e-6), "{p}");
    }

    #[test]
    fn hazard_ratio_is_near_linear_for_small_p_and_bounded() {
        let p = 0.00006;
        // 1 - (1-p)^14 = 14p - C(14,2)p^2 + ...: the second-order term is 91p^2 = 3.3e-7.
        let q = apply_hr(p, 14.0);
        assert!(close(q, 14.0 * p - 91.0 * p * p, 1e-10), "{q}");
        assert!(apply_hr(0.5, 10.0) < 1.0);
        assert!(close(apply_hr(0.3, 1.0), 0.3, 1e-15));
        assert!(close(apply_hr(0.3, 0.0), 0.0, 1e-15));
    }

    #[test]
    fn shrinkage_combines_on_the_log_scale() {
        assert!(close(combine_hrs(&[14.0, 9.2], 1.0), 14.0 * 9.2, 1e-9));
        assert!(close(
            combine_hrs(&[14.0, 9.2], 0.6),
            (14.0f64 * 9.2).powf(0.6),
            1e-9
        ));
        assert!(close(combine_hrs(&[], 0.6), 1.0, 1e-15));
    }

    #[test]
    fn competing_events_sum_to_the_union() {
        let p = [0.1, 0.2, 0.05];
        let q = competing(&p);
        let union = 1.0 - (0.9 * 0.8 * 0.95);
        assert!(close(q.iter().sum::<f64>(), union, 1e-12));
        // Ordered like the rates.
        assert!(q[1] > q[0] && q[0] > q[2]);
        // A single event keeps its probability.
        assert!(close(competing(&[0.3])[0], 0.3, 1e-12));
        assert_eq!(competing(&[0.0, 0.0]), [0.0, 0.0]);
    }

    #[test]
    fn thresholds_pick_events_in_proportion() {
        let t = cumulative_thresholds(&[0.01, 0.02]);
        assert!(t[0] < t[1]);
        assert_eq!(pick(&t, 0), Some(0));
        assert_eq!(pick(&t, t[0]), Some(1));
        assert_eq!(pick(&t, t[1]), None);
        assert_eq!(pick(&t, u32::MAX), None);
    }

    #[test]
    fn mean_duration_gives_matching_exit_probability() {
        // Shelter stays of 55 days have a monthly exit of about 0.42 (§7.4C).
        let p = monthly_from_mean_duration(55.0 / 30.4);
        assert!(close(p, 0.42, 0.01), "{p}");
    }
}
