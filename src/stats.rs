//! Summary statistics over replicates: mean, standard deviation and the 95 % confidence interval
//! of the mean (Student's t), computed in replicate order so the bytes never change.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, sd and 95 % interval of the mean of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// `None` with fewer than two values.
    pub sd: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// The two-sided 97.5 % quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("positive degrees of freedom")
        .inverse_cdf(0.975)
}

pub fn summarize(values: &[f64]) -> Summary {
    let n = values.len();
    if n == 0 {
        return Summary {
            n,
            mean: f64::NAN,
            sd: None,
            ci_low: None,
            ci_high: None,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Summary {
            n,
            mean,
            sd: None,
            ci_low: None,
            ci_high: None,
        };
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_quantile_975(n - 1) * sd / (n as f64).sqrt();
    Summary {
        n,
        mean,
        sd: Some(sd),
        ci_low: Some(mean - half),
        ci_high: Some(mean + half),
    }
}

impl Summary {
    /// The columns `mean, sd, ci95_low, ci95_high, replicates` of a summary table; empty cells
    /// where there are too few replicates.
    pub fn csv_fields(&self) -> [String; 5] {
        let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        [
            self.mean.to_string(),
            opt(self.sd),
            opt(self.ci_low),
            opt(self.ci_high),
            self.n.to_string(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Standard t-table values.
        assert!((t_quantile_975(1) - 12.706).abs() < 1e-3);
        assert!((t_quantile_975(9) - 2.262).abs() < 1e-3);
        assert!((t_quantile_975(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn summary_of_a_known_sample() {
        let s = summarize(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.n, 8);
        assert!((s.mean - 5.0).abs() < 1e-12);
        let sd = (32.0f64 / 7.0).sqrt();
        assert!((s.sd.unwrap() - sd).abs() < 1e-12);
        let half = t_quantile_975(7) * sd / 8f64.sqrt();
        assert!((s.ci_high.unwrap() - 5.0 - half).abs() < 1e-12);
        assert_eq!(summarize(&[3.0]).sd, None);
    }
}
