//! The only place in hjemsim that creates random numbers.
//!
//! Every draw is a pure function of a key, never of a thread, a chunk or the order in which
//! work happens to run:
//!
//! * `(seed, replicate, person id, month, decision)` for decisions about one young person
//!   ([`PersonDraws`]), and
//! * `(seed, replicate, municipality, month, decision)` for municipal events such as vacancies
//!   and the number of 18-year-olds who enter ([`municipal_rng`]).
//!
//! Person draws use a counter-based generator: the key is folded into 64 bits and passed through
//! the SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
//! generators"; the same mixer `rand` uses to expand `seed_from_u64`). It costs about one
//! nanosecond, which is what lets a young person in a quiet month cost a few nanoseconds.
//! Municipal and initial-population streams use `rand_pcg::Pcg64Mcg` (O'Neill's PCG, a named,
//! portable generator whose output `rand` promises not to change within a minor version; the
//! version is pinned in `Cargo.lock`), seeded from the same key fold.
//!
//! Common random numbers: a decision has its own [`Decision`] code, so a scenario that changes a
//! policy lever changes which decisions are taken, not the luck behind the others.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// A random stream generator from the `rand` family, named so that it is never `StdRng`.
pub type StreamRng = Pcg64Mcg;

/// Every kind of random decision the model takes. The discriminant is part of the key, so codes
/// must never be reused or renumbered (that would change every result).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Decision {
    /// Who a young person is at the start or at their 18th birthday.
    Attributes = 1,
    /// The monthly housing event of someone housed or at risk (high 32 bits), and their
    /// activity and health events (low 32 bits): one hash a quiet month.
    HousingEvent = 2,
    /// Death or self-resolved exit of someone homeless.
    HomelessEvent = 3,
    /// Whether an institution discharge leads straight into homelessness.
    Discharge = 4,
    /// Sofa host episode ending, or a shelter stay ending.
    PlaceEnds = 5,
    /// Loss of a tie while homeless (one code per slot: `TieDecay + 256 * slot`).
    TieDecay = 6,
    /// Whether a free shelter bed is accepted.
    ShelterAcceptance = 7,
    /// Step-up from CTI to ICM at the end of the course.
    StepUp = 8,
    /// Retired: life events now use the low half of `HousingEvent`. Never reuse the code.
    LifeEvents = 9,
    /// Randomisation to a trial arm.
    TrialArm = 11,
    /// Death or discharge of someone in an institution.
    InstitutionEvent = 16,
    /// Death or loss of an allocated home (with or without support).
    SupportEvent = 17,
    /// Whether a new tie forms while homeless (12), and with whom (13).
    NewTie = 12,
    /// A community programme's new tie.
    CommunityTie = 14,
    /// Whether a client in a rollout's support slot gets support as designed (its fidelity).
    RolloutFidelity = 18,
    /// Whether a young person moves to another municipality this month (19), and where (20).
    Move = 19,
    MoveDestination = 20,
    /// When someone quiet next wakes, and for which event (`model::skip`): drawn in the month
    /// they fall asleep.
    QuietSkip = 21,
    /// Whether a housing offer is accepted (one code per segment: `OfferAcceptance + segment`).
    OfferAcceptance = 64,
    /// Number of 18-year-olds who enter a municipality this month.
    Entrants = 1024,
    /// Vacancies in a housing segment (one code per segment: `Vacancies + segment`).
    Vacancies = 1100,
    /// The points of a Latin hypercube sweep.
    SweepDesign = 1200,
    /// The draws of a calibration (prior, choice of particle, kernel), per generation.
    CalibrationDraw = 1300,
    /// Which posterior draw a batch replicate takes.
    PosteriorDraw = 1350,
    /// The design of a sensitivity analysis (Morris trajectories, Sobol matrices).
    SensitivityDesign = 1400,
}

impl Decision {
    /// The code of a decision that exists once per housing segment.
    pub fn code_for_segment(self, segment: usize) -> u32 {
        self as u32 + segment as u32
    }
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
const DECISION_MUL: u64 = 0xD1B5_4A32_D192_ED03;
const PLACE_MUL: u64 = 0xA24B_AED4_963E_E407;

/// The SplitMix64 finaliser: a bijection on `u64` with full avalanche.
#[inline(always)]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of one replicate of one run: the seed and the replicate number, nothing else.
/// The scenario's policy levers never enter, which is what makes common random numbers work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicateKey(u64);

impl ReplicateKey {
    pub fn new(seed: u64, replicate: u32) -> Self {
        ReplicateKey(mix64(mix64(seed ^ GOLDEN).wrapping_add(replicate as u64)))
    }

    /// The per-month key from which all person draws of that month derive.
    pub fn month(self, month: i32) -> PersonDraws {
        PersonDraws {
            month_key: mix64(self.0 ^ (month as u32 as u64).wrapping_mul(GOLDEN)),
        }
    }

    fn place_key(self, place: u64, month: i32, decision: u32) -> u64 {
        decision_key(self.place_month_key(place, month), decision)
    }

    /// What [`ReplicateKey::place_key`] mixes before the decision.
    fn place_month_key(self, place: u64, month: i32) -> u64 {
        let a = mix64(self.0 ^ place.wrapping_mul(PLACE_MUL));
        mix64(a ^ (month as u32 as u64).wrapping_mul(GOLDEN))
    }
}

/// Counter-based draws for the people of one month.
#[derive(Clone, Copy, Debug)]
pub struct PersonDraws {
    month_key: u64,
}

impl PersonDraws {
    /// 64 random bits for `(person, decision)` in this month.
    #[inline(always)]
    pub fn bits(self, person: u32, decision: u32) -> u64 {
        mix64(
            self.month_key
                ^ (person as u64).wrapping_mul(GOLDEN)
                ^ (decision as u64).wrapping_mul(DECISION_MUL),
        )
    }

    /// A uniform 32-bit draw, compared against thresholds made by [`threshold`].
    #[inline(always)]
    pub fn u32(self, person: u32, decision: Decision) -> u32 {
        (self.bits(person, decision as u32) >> 32) as u32
    }

    /// A uniform draw in `[0, 1)` with 53 bits of precision.
    #[inline(always)]
    pub fn unit(self, person: u32, decision: u32) -> f64 {
        (self.bits(person, decision) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `p`.
    #[inline(always)]
    pub fn chance(self, person: u32, decision: u32, p: f64) -> bool {
        self.unit(person, decision) < p
    }
}

/// A probability as a 32-bit threshold: `draw < threshold(p)` happens with probability `p`
/// (to within 2^-32).
pub fn threshold(p: f64) -> u32 {
    // NaN and non-positive probabilities never happen.
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        u32::MAX
    } else {
        (p * 4_294_967_296.0) as u32
    }
}

/// The key of `decision` at a place and month keyed `place_month`.
fn decision_key(place_month: u64, decision: u32) -> u64 {
    mix64(place_month ^ (decision as u64).wrapping_mul(DECISION_MUL))
}

/// The stream seeded by a place key.
fn stream(k: u64) -> StreamRng {
    StreamRng::new(((mix64(k ^ GOLDEN) as u128) << 64) | k as u128)
}

/// A stream for one municipal decision in one month, e.g. the vacancies of one segment.
pub fn municipal_rng(key: ReplicateKey, municipality: u32, month: i32, decision: u32) -> StreamRng {
    MunicipalMonth::new(key, municipality, month).rng(decision)
}

/// The streams of one municipality in one month, one per decision ([`municipal_rng`]): the key
/// of the municipality-month made once for its decisions (the entrants, each segment's
/// vacancies and slots).
#[derive(Clone, Copy, Debug)]
pub struct MunicipalMonth(u64);

impl MunicipalMonth {
    pub fn new(key: ReplicateKey, municipality: u32, month: i32) -> MunicipalMonth {
        MunicipalMonth(key.place_month_key(municipality as u64 + 1, month))
    }

    /// The stream of `decision`: the same as `municipal_rng` gives for it.
    pub fn rng(self, decision: u32) -> StreamRng {
        stream(decision_key(self.0, decision))
    }
}

/// A stream for the attributes of one person, drawn once when the person appears.
pub fn person_rng(key: ReplicateKey, person: u32) -> StreamRng {
    stream(key.place_key((1u64 << 40) | person as u64, 0, Decision::Attributes as u32))
}

/// Seeds a generator the standard way, for tests and benches that need an arbitrary stream.
pub fn test_rng(seed: u64) -> StreamRng {
    StreamRng::seed_from_u64(seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn draws_depend_on_every_key_part() {
        let a = ReplicateKey::new(1, 0).month(5);
        let base = a.bits(7, 2);
        assert_ne!(base, ReplicateKey::new(2, 0).month(5).bits(7, 2));
        assert_ne!(base, ReplicateKey::new(1, 1).month(5).bits(7, 2));
        assert_ne!(base, ReplicateKey::new(1, 0).month(6).bits(7, 2));
        assert_ne!(base, a.bits(8, 2));
        assert_ne!(base, a.bits(7, 3));
        assert_eq!(base, ReplicateKey::new(1, 0).month(5).bits(7, 2));
    }

    #[test]
    fn unit_draws_are_uniform() {
        // Mean and variance of 200k draws against 1/2 and 1/12, with 5-sigma bands.
        let d = ReplicateKey::new(42, 3).month(100);
        let n = 200_000u32;
        let xs: Vec<f64> = (0..n).map(|i| d.unit(i, 2)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se_mean = (1.0f64 / 12.0 / n as f64).sqrt();
        assert!((mean - 0.5).abs() < 5.0 * se_mean, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 0.002, "var {var}");
    }

    #[test]
    fn threshold_matches_probability() {
        let d = ReplicateKey::new(9, 0).month(1);
        let p = 0.003;
        let t = threshold(p);
        let n = 1_000_000u32;
        let hits = (0..n)
            .filter(|&i| d.u32(i, Decision::HousingEvent) < t)
            .count() as f64;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!((hits - n as f64 * p).abs() < 5.0 * sd, "hits {hits}");
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), u32::MAX);
    }

    #[test]
    fn municipal_streams_are_keyed() {
        let k = ReplicateKey::new(1, 0);
        let a: u64 = municipal_rng(k, 3, 10, 1100).random();
        let b: u64 = municipal_rng(k, 3, 10, 1100).random();
        let c: u64 = municipal_rng(k, 4, 10, 1100).random();
        let d: u64 = municipal_rng(k, 3, 11, 1100).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
