//! Moves between municipalities. A young person with an ordinary home (up to
//! `movement.housed_max_age`) or a homeless young person moves with a keyed monthly chance; the
//! destination is drawn from weights: the 18-29 population for housed movers (so that, in
//! expectation, as many arrive as leave), and the 18-29 population to the power
//! `1 + city_pull`, times `1 + concept_pull x capacity share` for every concept adopted there,
//! for homeless movers (VIVE counts most young homeless in København and Aarhus).
//!
//! The move is decided in the origin's month (it leaves, `moved_out`); the model hands the
//! movers to their destinations after every municipality has stepped, in origin order, so they
//! arrive at the start of the next month (`moved_in`). Nationally, moves out equal moves in
//! every month.

use super::rollout::{Adoptions, Plan};
use crate::calendar::Month;
use crate::data::Municipality;
use crate::scenario::Scenario;

/// Cumulative integer weights of destinations, for housed and for homeless movers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Destinations {
    housed: Vec<u64>,
    homeless: Vec<u64>,
}

/// Integer weights keep the draw exact and independent of summation order.
const WEIGHT_UNIT: f64 = 1.0e6;

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<u64> {
    let mut total = 0u64;
    weights
        .map(|w| {
            total += (w * WEIGHT_UNIT).round() as u64;
            total
        })
        .collect()
}

impl Destinations {
    /// The weights in force in `month`, given the adoptions so far.
    pub fn new(
        s: &Scenario,
        municipalities: &[Municipality],
        plan: &Plan,
        adoptions: &Adoptions,
        month: Month,
    ) -> Destinations {
        let mv = &s.movement;
        let largest = municipalities
            .iter()
            .map(|m| m.population_18_29)
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let housed = cumulative(
            municipalities
                .iter()
                .map(|m| m.population_18_29 as f64 / largest),
        );
        let homeless = cumulative(municipalities.iter().enumerate().map(|(i, m)| {
            let mut w = (m.population_18_29 as f64 / largest).powf(1.0 + mv.city_pull);
            for a in &adoptions.by_municipality[i] {
                let entry = &plan.entries[a.entry as usize];
                let (num, den) = entry.ramp(a.start, month);
                w *= 1.0 + mv.concept_pull * num as f64 / den as f64;
            }
            w
        }));
        Destinations { housed, homeless }
    }

    /// The destination for a uniform draw `u`, never the origin.
    pub fn pick(&self, homeless: bool, origin: u32, u: f64) -> u32 {
        let cum = if homeless {
            &self.homeless
        } else {
            &self.housed
        };
        let o = origin as usize;
        let before = if o == 0 { 0 } else { cum[o - 1] };
        let own = cum[o] - before;
        let total = cum[cum.len() - 1] - own;
        if total == 0 {
            return origin;
        }
        let mut t = ((u * total as f64) as u64).min(total - 1);
        if t >= before {
            t += own;
        }
        cum.partition_point(|&c| c <= t) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_never_returns_the_origin_and_follows_the_weights() {
        let d = Destinations {
            housed: cumulative([1.0, 2.0, 1.0].into_iter()),
            homeless: cumulative([1.0, 2.0, 1.0].into_iter()),
        };
        let n = 10_000;
        let mut hits = [0u32; 3];
        for k in 0..n {
            let u = (k as f64 + 0.5) / n as f64;
            hits[d.pick(false, 1, u) as usize] += 1;
        }
        assert_eq!(hits[1], 0);
        assert_eq!(hits[0], n / 2);
        let mut hits = [0u32; 3];
        for k in 0..n {
            hits[d.pick(true, 0, (k as f64 + 0.5) / n as f64) as usize] += 1;
        }
        assert_eq!(hits[0], 0);
        // Weights 2:1 between the other two.
        assert!(
            (hits[1] as f64 / n as f64 - 2.0 / 3.0).abs() < 1e-3,
            "{hits:?}"
        );
    }
}
