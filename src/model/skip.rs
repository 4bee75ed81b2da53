//! Skipping quiet months: someone housed outside every mechanism, or at risk, sleeps through
//! the months in which nothing can happen to them, at no draw and no table look-up.
//!
//! A quiet month has two independent chances of an event: the housing event (for the housed the
//! housed table: death, entry into homelessness, at risk, an institution; for someone at risk
//! the at-risk table: death, entry, risk resolved) and the life event (activity, psychiatric
//! and substance-use flips). Each is *thinned* (Lewis and Shedler 1979, the
//! discrete-time form): a candidate month comes with probability `q`, a bound on the event's
//! probability `p` in every month, and at a candidate the event happens with probability
//! `p / q`. Months without a candidate have no event, so the waiting time to the next candidate
//! (geometric, drawn once) is skipped. The law of the model is unchanged: every month still has
//! an event with probability `p` and the same competing events given one.
//!
//! **The bound** of a table index is the largest probability of that index over every stretch
//! of dated changes and every municipality of the scenario ([`Bounds::new`]), so the calibrated
//! risk pressure, which moves the housed table every month from 2007 to 2019, costs no redraw.
//! It is rounded up to a quarter power of two: a policy that moves a probability by less than a
//! step leaves the candidates of a person unchanged, so two scenarios keep drawing the same
//! candidate months and the same keyed numbers at them (common random numbers).
//!
//! **The boundaries**: the indices and whether a month is quiet at all change at known months
//! (the return band and the 12-month follow-up after an exit, the care windows, turning 30) or
//! through another part of the step (programmes, tenancy, support). A known month is a
//! *boundary*: the person wakes there and is taken through the month exactly, as before this
//! module existed. Another part of the step that writes a sleeper wakes them for the next month
//! the same way (`People::wake`).
//!
//! A wake is stored as `month * 4 + tag` in 16 bits, months counted from the run's first month:
//! `tag` says whether the month is a boundary (0) or a candidate of the housing event (1), of
//! the life event (2) or of both (3).

use crate::rng::{Decision, PersonDraws};

use super::params::{Params, at_risk_event, housed_event};

pub use crate::population::wake::{GONE, NOW};
/// Tag bits of a wake.
pub const HOUSING: i32 = 1;
pub const LIFE: i32 = 2;

/// Bound levels (see [`Levels`]); [`NEVER`] is zero.
const LEVELS: usize = 129;
const NEVER: u8 = (LEVELS - 1) as u8;
/// `2^(-j/4)` for `j` in 0..4, to full precision (so the levels do not depend on `exp2`).
const QUARTER_POWERS: [f64; 4] = [
    1.0,
    0.840_896_415_253_714_5,
    0.707_106_781_186_547_5,
    0.594_603_557_501_360_5,
];
const TWO_32: f64 = 4_294_967_296.0;
/// Months a run may have for its wakes to fit 16 bits.
pub const MAX_MONTHS: i32 = (i16::MAX as i32 >> 2) - 1;

/// The bound levels: level `k` is the probability `2^(-k/4)`, with the scale of a 32-bit draw
/// onto `[0, q · 2^32)` and `ln(1 − q)`.
#[derive(Clone, Debug)]
struct Levels {
    q: [f64; LEVELS],
    scale: [u64; LEVELS],
    ln_stay: [f64; LEVELS],
    ln: UnitLn,
}

/// A 32-bit draw as a number in `(0, 1)`.
#[inline(always)]
fn unit(x: u64) -> f64 {
    (x as f64 + 0.5) / TWO_32
}

impl Levels {
    fn new() -> Levels {
        let mut l = Levels {
            q: [0.0; LEVELS],
            scale: [0; LEVELS],
            ln_stay: [0.0; LEVELS],
            ln: UnitLn::new(),
        };
        for k in 0..NEVER as usize {
            l.q[k] = QUARTER_POWERS[k % 4] / (1u64 << (k / 4)) as f64;
            l.scale[k] = (l.q[k] * TWO_32).ceil() as u64;
            l.ln_stay[k] = (-l.q[k]).ln_1p();
        }
        l
    }

    /// The smallest bound at least `threshold / 2^32`.
    fn level_of(&self, threshold: u32) -> u8 {
        if threshold == 0 {
            return NEVER;
        }
        let mut k = 0;
        while k + 1 < NEVER as usize && self.scale[k + 1] >= threshold as u64 {
            k += 1;
        }
        k as u8
    }
}

/// The natural logarithm of a number in `(0, 1]`, for the waiting time of every sleeper.
///
/// glibc's `log` was 7 % of a national replicate, called out of line at the end of a chain of
/// dependent work (hash, conversion, division); this one is inlined and uses only IEEE
/// additions, multiplications and a table, so it gives the same bits on every platform, where
/// `f64::ln` calls whatever `libm` the platform has. With `x = 2^k · m`, `m` in `[1, 2)`, and `c`
/// the centre of `m`'s 1/256th of the octave: `ln x = k ln 2 − ln(1/c) + ln(1 + r)` with
/// `1 + r = m · (1/c)`, `|r| < 2^-9`, and `ln(1 + r)` a Taylor polynomial to `r^5` (the next
/// term is below `2^-56`). It is within `8e-16 · max(1, |ln x|)` of the platform's (two units
/// in the last place; `the_unit_logarithm_agrees_with_the_platforms`), so a waiting time,
/// `ln x / ln(1 − q)`, lands in another month than with the platform's logarithm with a chance
/// of about `10^-15` times the wait: no run of the test suite or the evidence has one.
#[derive(Clone, Debug)]
struct UnitLn {
    /// For each 1/256th of the octave, `1/c` rounded to `f64` and `−ln` of that, to within
    /// about one unit in the last place: side by side, so a look-up reads one cache line.
    table: [[f64; 2]; 256],
}

impl UnitLn {
    /// `ln 2` split so that `k · LN2_HI` is exact for `|k| < 2^11` (fdlibm's `ln2_hi` and
    /// `ln2_lo`, 6.93147180369123816490e-01 and 1.90821492927058770002e-10, by their bits).
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

    fn new() -> UnitLn {
        let mut t = UnitLn {
            table: [[0.0; 2]; 256],
        };
        for (i, entry) in t.table.iter_mut().enumerate() {
            let inv_c = 1.0 / (1.0 + (i as f64 + 0.5) / 256.0);
            // −ln(inv_c) = 2 atanh(s) with s = (1 − inv_c) / (1 + inv_c) < 1/5: the series to
            // s^41 is exact to f64.
            let s = (1.0 - inv_c) / (1.0 + inv_c);
            let (s2, mut power) = (s * s, s);
            let mut terms = [0.0; 21];
            for (j, term) in terms.iter_mut().enumerate() {
                *term = power / (2 * j + 1) as f64;
                power *= s2;
            }
            // Smallest terms first.
            let sum: f64 = terms.iter().rev().sum();
            *entry = [inv_c, 2.0 * sum];
        }
        t
    }

    /// `ln x` for `x` in `(0, 1]` and normal (the waits' `x` is at least `2^-33`).
    #[inline(always)]
    fn of(&self, x: f64) -> f64 {
        let bits = x.to_bits();
        let k = ((bits >> 52) as i32 - 1023) as f64;
        let [inv_c, ln_c] = self.table[((bits >> 44) & 255) as usize];
        let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | 0x3FF0_0000_0000_0000);
        let r = m * inv_c - 1.0;
        // Estrin's scheme rather than Horner's: the logarithm ends a chain of dependent work
        // (hash, conversion, division), so its depth counts, not its operations.
        let r2 = r * r;
        let poly = r2 * (-0.5 + r * (1.0 / 3.0)) + (r2 * r2) * (-0.25 + r * 0.2);
        (k * Self::LN2_HI + ln_c) + (r + (poly + k * Self::LN2_LO))
    }
}

/// The bounds of one scenario: a level for each index of the housed and the life-event table,
/// and one for the table of someone at risk.
#[derive(Clone, Debug)]
pub struct Bounds {
    housed: Vec<u8>,
    life: Vec<u8>,
    at_risk: u8,
    /// Whether skipping is possible at all: the boundaries are computed with one return window,
    /// so a scenario whose dated changes move it takes every month exactly, as does a run too
    /// long for its wakes to fit 16 bits ([`MAX_MONTHS`]; validated runs are far shorter).
    pub enabled: bool,
    /// The highest age (months) at which someone housed may move to another municipality, over
    /// every stretch (someone who could move is taken through every month).
    pub movement_max_age: i32,
    levels: Levels,
}

impl Bounds {
    /// The bounds over every set of levers of a scenario; `enabled` as `run.skip_quiet_months`.
    pub fn new<'a>(params: impl Iterator<Item = &'a Params> + Clone, enabled: bool) -> Bounds {
        let levels = Levels::new();
        let first = params.clone().next().expect("a scenario has levers");
        let max_over = |len: usize, threshold: &dyn Fn(&Params, usize) -> u32| -> Vec<u8> {
            (0..len)
                .map(|i| {
                    levels.level_of(params.clone().map(|p| threshold(p, i)).max().unwrap_or(0))
                })
                .collect()
        };
        Bounds {
            housed: max_over(first.housed.len(), &|p, i| {
                p.housed[i][housed_event::COUNT - 1]
            }),
            life: max_over(first.life.len(), &|p, i| p.life[i][3]),
            at_risk: max_over(1, &|p, _| p.at_risk[at_risk_event::COUNT - 1])[0],
            // A wake counts months from the first in 16 bits (with two bits of tag).
            enabled: enabled
                && params
                    .clone()
                    .all(|p| p.return_window == first.return_window)
                && first.months() < MAX_MONTHS,
            movement_max_age: params
                .clone()
                .map(|p| p.movement.housed_max_age)
                .max()
                .unwrap_or(0),
            levels,
        }
    }

    /// The levels of a housed and a life-event index, packed as the `skip_levels` column holds
    /// them (housing in the high byte).
    #[inline(always)]
    pub fn levels(&self, housed: usize, life: usize) -> u16 {
        ((self.housed[housed] as u16) << 8) | self.life[life] as u16
    }

    /// A 32-bit draw on the range of the bound at `level` (the high or low byte of `levels`):
    /// below a threshold with probability `threshold / (q · 2^32)`.
    #[inline(always)]
    pub fn thin(&self, u: u32, level: u8) -> u32 {
        ((u as u64 * self.levels.scale[level as usize]) >> 32) as u32
    }

    /// The next wake of someone quiet at `month` (their month is done), whose next boundary is
    /// `boundary`, under `levels`: the first candidate month of either event, or the boundary
    /// if it comes first. One keyed draw and one logarithm. Months count from the run's first;
    /// `end` is the month after the last, where every sleep may end (no month after it is run).
    #[inline]
    pub fn schedule(
        &self,
        draws: PersonDraws,
        id: u32,
        month: i32,
        boundary: i32,
        end: i32,
        levels: u16,
    ) -> i16 {
        let boundary = boundary.min(end);
        let at_boundary = (boundary * 4) as i16;
        if boundary <= month + 1 {
            return at_boundary;
        }
        let (h, l) = ((levels >> 8) as usize, (levels & 0xFF) as usize);
        let ln_stay = self.levels.ln_stay[h] + self.levels.ln_stay[l];
        if ln_stay == 0.0 {
            return at_boundary;
        }
        let bits = draws.bits(id, Decision::QuietSkip as u32);
        // Months without a candidate before the next one: geometric, P(gap >= g) = (1 - q)^g
        // with 1 - q = (1 - q_h)(1 - q_l).
        let gap = self.levels.ln.of(unit(bits >> 32)) / ln_stay;
        // Which event the candidate is for, given that there is one: both independent chances.
        let (qh, ql) = (self.levels.q[h], self.levels.q[l]);
        let any = 1.0 - (1.0 - qh) * (1.0 - ql);
        let v = unit(bits & 0xFFFF_FFFF) * any;
        let tag = if v < qh * (1.0 - ql) {
            HOUSING
        } else if v < qh * (1.0 - ql) + (1.0 - qh) * ql {
            LIFE
        } else {
            HOUSING | LIFE
        };
        // The candidate or the boundary, chosen without a branch: whether the sleep reaches
        // the boundary is as random as the draw, and a branch on it would wait for the
        // logarithm and the division whenever it was mispredicted.
        let months_left = boundary - month - 1;
        let candidate = ((month + 1 + gap.min(months_left as f64) as i32) * 4 + tag) as i16;
        select(gap >= months_left as f64, at_boundary, candidate)
    }

    /// The levels of someone at risk with life-event index `life` (the at-risk table's level
    /// in the high byte, where the housed have their housed table's).
    #[inline(always)]
    pub fn at_risk_levels(&self, life: usize) -> u16 {
        ((self.at_risk as u16) << 8) | self.life[life] as u16
    }

    /// Whether the bounds of `levels` still cover the indices `housed` and `life` (someone
    /// asleep must never have a bound below their probability); `housed` is `None` for someone
    /// at risk.
    pub fn covers(&self, levels: u16, housed: Option<usize>, life: usize) -> bool {
        let housing = housed.map_or(self.at_risk, |h| self.housed[h]);
        housing >= (levels >> 8) as u8 && self.life[life] >= (levels & 0xFF) as u8
    }
}

/// `if condition { a } else { b }` as a mask, so the compiler emits no branch.
#[inline(always)]
fn select(condition: bool, a: i16, b: i16) -> i16 {
    let mask = -(condition as i16);
    (a & mask) | (b & !mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds {
            housed: Vec::new(),
            life: Vec::new(),
            at_risk: NEVER,
            enabled: true,
            movement_max_age: 0,
            levels: Levels::new(),
        }
    }

    #[test]
    fn a_level_is_the_smallest_quarter_power_of_two_that_covers_a_threshold() {
        let l = Levels::new();
        for k in 0..NEVER as usize - 1 {
            let ratio = l.q[k] / l.q[k + 1];
            assert!(
                (ratio - 2f64.powf(0.25)).abs() < 1e-12,
                "level {k}: {ratio}"
            );
        }
        for t in [
            1u32,
            2,
            1000,
            12_884_902,
            429_496_729,
            3_000_000_000,
            u32::MAX,
        ] {
            let k = l.level_of(t) as usize;
            assert!(l.scale[k] >= t as u64, "level {k} does not cover {t}");
            assert!(k == 0 || l.scale[k - 1] >= l.scale[k]);
            assert!(
                l.scale[k + 1] < t as u64,
                "level {k} is not the smallest for {t}"
            );
        }
        assert_eq!(l.level_of(0), NEVER);
    }

    /// Candidate months follow the geometric law of both events' bounds, and a candidate is for
    /// the housing event, the life event or both in proportion to their chances: each share
    /// within 4 binomial standard errors over 400,000 people.
    #[test]
    fn candidates_come_at_the_bounds_rates() {
        let b = bounds();
        let draws = crate::rng::ReplicateKey::new(7, 0).month(100);
        let (h, l) = (8u8, 12u8);
        let (qh, ql) = (b.levels.q[h as usize], b.levels.q[l as usize]);
        let n = 400_000u32;
        let (mut next, mut tags) = (0, [0u32; 4]);
        for id in 0..n {
            let w = b.schedule(draws, id, 100, 5_000, 5_000, ((h as u16) << 8) | l as u16);
            assert!(w >> 2 > 100);
            if w >> 2 == 101 {
                next += 1;
                tags[(w & 3) as usize] += 1;
            }
        }
        let check = |count: u32, of: u32, p: f64, what: &str| {
            let se = (p * (1.0 - p) / of as f64).sqrt();
            let share = count as f64 / of as f64;
            assert!((share - p).abs() < 4.0 * se, "{what}: {share} vs {p}");
        };
        let any = 1.0 - (1.0 - qh) * (1.0 - ql);
        check(next, n, any, "a candidate next month");
        check(tags[1], next, qh * (1.0 - ql) / any, "housing only");
        check(tags[2], next, (1.0 - qh) * ql / any, "life only");
        check(tags[3], next, qh * ql / any, "both");
        assert_eq!(tags[0], 0, "a boundary far away is never the next month");
    }

    /// The sleepers' logarithm against the platform's over the waits' whole range: every
    /// 4,099th 32-bit draw's `unit`, the ends, and each octave's edges, within the bound the doc
    /// of [`UnitLn`] gives (the worst here is 4.4e-16); a table entry or a coefficient off by
    /// one part in 10^12 fails it.
    #[test]
    fn the_unit_logarithm_agrees_with_the_platforms() {
        let ln = UnitLn::new();
        let mut draws: Vec<u64> = (0..1u64 << 32).step_by(4_099).collect();
        draws.extend([0, 1, 2, u32::MAX as u64 - 1, u32::MAX as u64]);
        draws.extend((0..32).flat_map(|k| [(1u64 << k) - 1, 1 << k, (1 << k) + 1]));
        let mut worst = 0.0f64;
        for x in draws.into_iter().map(unit) {
            let error = (ln.of(x) - x.ln()).abs() / x.ln().abs().max(1.0);
            worst = worst.max(error);
            assert!(error <= 8e-16, "ln({x:e}): {} against {}", ln.of(x), x.ln());
        }
        assert!(worst > 0.0, "some last bit differs from the platform's");
        assert!(ln.of(1.0).abs() <= 1e-16);
        assert_eq!(UnitLn::LN2_HI + UnitLn::LN2_LO, std::f64::consts::LN_2);
        assert!((ln.of(0.5) + std::f64::consts::LN_2).abs() <= 1e-16);
    }

    #[test]
    fn a_boundary_before_the_candidate_wakes_exactly() {
        let b = bounds();
        let draws = crate::rng::ReplicateKey::new(7, 0).month(100);
        for id in 0..10_000 {
            let w = b.schedule(draws, id, 100, 103, 5_000, (20 << 8) | 20);
            assert!(w >> 2 <= 103 && w >> 2 > 100);
            assert!(
                w >> 2 < 103 || w & 3 == 0,
                "a wake at the boundary is exact"
            );
        }
        assert_eq!(b.schedule(draws, 1, 100, 101, 5_000, 0), 101 * 4);
        // No wake after the month after the run's last: a sleep may end there.
        for id in 0..1_000 {
            assert!(b.schedule(draws, id, 100, 9_000, 150, (40 << 8) | 40) >> 2 <= 150);
        }
        assert_eq!(
            b.schedule(
                draws,
                1,
                100,
                200,
                5_000,
                ((NEVER as u16) << 8) | NEVER as u16
            ),
            200 * 4,
            "no chance of an event: sleep to the boundary"
        );
    }

    #[test]
    fn a_thinned_draw_is_below_a_threshold_at_the_ratio_of_probability_to_bound() {
        let b = bounds();
        let level = 4u8; // q = 1/2
        let threshold = (0.1 * TWO_32) as u32;
        let n = 1u64 << 16;
        let below = (0..n)
            .filter(|&k| b.thin((k << 16) as u32, level) < threshold)
            .count() as f64;
        assert!(
            (below / n as f64 - 0.2).abs() < 1e-4,
            "{}",
            below / n as f64
        );
    }
}
