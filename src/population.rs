//! The young people of one municipality, as columns (struct of arrays), and who they are when
//! they appear: at the start of the simulation or on their 18th birthday.
//!
//! Rows are kept in order of birth month (oldest first): the initial population is laid out that
//! way and 18-year-olds are appended, so those who turn 30 are always a prefix. Rows never refer
//! to each other; a person's stable identity is `id`, which keys every random draw, never the
//! row index (rows shift when the aged-out prefix is dropped).
//!
//! Attributes depend only on the seed, the replicate, the municipality and the person's id, never
//! on policy levers: a baseline and a policy scenario face the same people (common random numbers).

use rand::RngExt;
use rand_distr::Poisson;

use crate::calendar::Month;
use crate::rng::{ReplicateKey, StreamRng, person_rng};
use crate::scenario::PopulationParams;

/// Risk factors, one bit each in [`People::traits`].
pub mod traits {
    /// Ever placed in out-of-home care (anbragt).
    pub const CARE: u8 = 1;
    /// Care leaver with aftercare (efterværn) until 23.
    pub const AFTERCARE: u8 = 2;
    /// Diagnosed psychiatric illness.
    pub const PSYCHIATRIC: u8 = 4;
    /// Substance-use disorder.
    pub const SUBSTANCE: u8 = 8;
    /// Prison history.
    pub const PRISON: u8 = 16;
    /// Number of distinct trait combinations.
    pub const COMBINATIONS: usize = 32;
}

/// Values of the `wake` column beside a month (`model::skip` owns what a wake means). A wake
/// counts months from the run's first month, so it fits 16 bits.
pub mod wake {
    /// Awake: not housed, or housed and taken through the next month in full without having
    /// slept (not in the counts of the sleeping).
    pub const NOW: i16 = i16::MIN;
    /// A departed row: never awake.
    pub const GONE: i16 = i16::MAX;
}

/// Activity (beskæftigelse): NEET, education or job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Activity {
    Neet = 0,
    Education = 1,
    Job = 2,
}

impl Activity {
    pub fn from_u8(v: u8) -> Activity {
        match v {
            1 => Activity::Education,
            2 => Activity::Job,
            _ => Activity::Neet,
        }
    }
}

/// Housing state; exactly one per person (domain-anchors §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum HousingState {
    /// Stable housing without current risk flags.
    Housed = 0,
    /// Housed with a risk flag (eviction notice, family conflict, ...).
    AtRisk = 1,
    /// Psychiatric ward or prison; `state_detail` says which.
    Institution = 2,
    /// Homeless, staying with a friend or relative (sofasurfer).
    Sofa = 3,
    /// Homeless, in a § 110 shelter (herberg/forsorgshjem).
    Shelter = 4,
    /// Homeless, sleeping rough or in a night café (gadesover).
    Street = 5,
    /// Homeless, has accepted a housing offer and waits to move in; `state_detail` is the segment.
    OfferPending = 6,
    /// Own home with support (CTI, ICM, ACT). Reached from the support mechanism (later issue).
    HousedSupported = 7,
    /// Own home after support ended.
    AfterSupport = 8,
    /// Left the population (aged out at 30 or died); the row is dropped later.
    Gone = 255,
}

impl HousingState {
    pub fn is_homeless(self) -> bool {
        matches!(
            self,
            HousingState::Sofa
                | HousingState::Shelter
                | HousingState::Street
                | HousingState::OfferPending
        )
    }

    pub fn is_housed(self) -> bool {
        matches!(
            self,
            HousingState::Housed | HousingState::HousedSupported | HousingState::AfterSupport
        )
    }
}

/// Bits of [`People::programmes`], in the order of the places arrays (IPS, community,
/// treatment).
pub const PROGRAMME_IPS: u8 = 1;
pub const PROGRAMME_COMMUNITY: u8 = 2;
pub const PROGRAMME_TREATMENT: u8 = 4;
/// Served by a rollout: started support in one of its slots (outcomes are counted for them).
pub const PROGRAMME_CONCEPT: u8 = 8;
/// That support runs at low fidelity: it does not lower the risk of losing the home.
pub const PROGRAMME_LOW_FIDELITY: u8 = 16;

/// `state_detail` for [`HousingState::Institution`].
pub const INSTITUTION_PSYCHIATRIC: u8 = 1;
pub const INSTITUTION_PRISON: u8 = 2;

/// A month that never happened, for "never homeless".
pub const NEVER: i32 = i32::MIN / 2;

/// Ages in months.
pub const AGE_ENTRY_MONTHS: i32 = 18 * 12;
pub const AGE_EXIT_MONTHS: i32 = 30 * 12;

/// The layout of ties in the people columns: [`SLOTS`] slots per person, each a kind and, for
/// peers, a person id; and the ties a person has when they appear. `model::network` reads and
/// changes them month by month.
pub mod tie {
    use rand::RngExt;
    use rand_distr::{Distribution, Poisson};

    use super::person_id;
    use crate::rng::StreamRng;

    /// Tie slots per person.
    pub const SLOTS: usize = 6;

    /// Tie kinds, in [`People::tie_kind`].
    pub const EMPTY: u8 = 0;
    pub const EXTERNAL: u8 = 1;
    pub const PEER: u8 = 2;
    pub const STREET: u8 = 3;

    /// `host_slot` when nobody hosts.
    pub const NO_HOST: u8 = u8::MAX;

    /// Full willingness to host, in percent.
    pub const FULL_WILLINGNESS: u8 = 100;

    /// The kind in a person's first slot while their initial ties are not drawn yet
    /// ([`super::People::draw_ties`]); the first two targets then hold the range of serial
    /// numbers their peers come from.
    pub const UNDRAWN: u8 = u8::MAX;

    /// Draws the initial home-based ties of a new person: `count` ties (Poisson, at most
    /// [`SLOTS`]; none without a law), each external with probability `external_share`, else a
    /// peer drawn uniformly from the serial numbers `peers.0..peers.1` of the municipality.
    pub fn initial_ties(
        rng: &mut StreamRng,
        count: Option<&Poisson<f64>>,
        external_share: f64,
        municipality: u32,
        peers: (u32, u32),
    ) -> [(u8, u32); SLOTS] {
        let mut ties = [(EMPTY, 0u32); SLOTS];
        let Some(count) = count else {
            return ties;
        };
        let n = (count.sample(rng) as usize).min(SLOTS);
        for tie in ties.iter_mut().take(n) {
            *tie = if peers.1 <= peers.0 || rng.random_bool(external_share) {
                (EXTERNAL, 0)
            } else {
                (
                    PEER,
                    person_id(municipality, rng.random_range(peers.0..peers.1)),
                )
            };
        }
        ties
    }

    /// The law of a new person's number of ties, for a mean of `mean` (none for a mean of 0).
    pub fn count_law(mean: f64) -> Option<Poisson<f64>> {
        (mean > 0.0).then(|| Poisson::new(mean).expect("validated mean"))
    }
}

/// The laws of a new person's number of initial ties (home-based; care leavers'), prepared once
/// per set of population parameters: a Poisson law's setup takes an `exp`, which per person was
/// 3 % of a national run, and per municipality-month two `exp`s were 4 % of a run at scale 0.01.
#[derive(Clone, Copy, Debug)]
pub struct TieLaws {
    home: Option<Poisson<f64>>,
    care_leaver: Option<Poisson<f64>>,
}

impl TieLaws {
    pub fn new(params: &PopulationParams) -> TieLaws {
        TieLaws {
            home: tie::count_law(params.home_ties_mean),
            care_leaver: tie::count_law(params.home_ties_mean_care),
        }
    }
}

/// Who young people are when they appear: the scenario's population parameters with the laws
/// of their number of ties.
#[derive(Clone, Debug)]
pub struct Newcomers<'a> {
    pub params: &'a PopulationParams,
    laws: TieLaws,
}

impl<'a> Newcomers<'a> {
    pub fn new(params: &'a PopulationParams) -> Newcomers<'a> {
        Newcomers::with_laws(params, TieLaws::new(params))
    }

    /// With laws prepared before (they must be `TieLaws::new(params)`).
    pub fn with_laws(params: &'a PopulationParams, laws: TieLaws) -> Newcomers<'a> {
        Newcomers { params, laws }
    }

    /// The law of the number of initial ties of someone with traits `t` (none: no ties).
    fn tie_law(&self, t: u8) -> Option<&Poisson<f64>> {
        if t & traits::CARE != 0 {
            self.laws.care_leaver.as_ref()
        } else {
            self.laws.home.as_ref()
        }
    }
}

/// One young person's attributes on the way between municipalities.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub birth_month: i32,
    pub traits: u8,
    pub activity: u8,
    pub latent_type: u8,
    /// Housed, at risk, or street (a homeless mover arrives without a place to sleep).
    pub housing: HousingState,
    pub state_since: i32,
    pub spell_start: i32,
    pub last_exit: i32,
    pub rehoused_with: u8,
    pub months_homeless: u16,
    pub episodes: u8,
    /// Tie kinds and willingness.
    pub ties: [(u8, u8); tie::SLOTS],
}

/// The fields of one person that every month they are awake reads (`model::quiet_pass`), kept
/// side by side: an awake month is one row in twelve, so each column it reads is mostly a cache
/// line of its own, and seven columns were seven lines where this record is one (16 bytes,
/// aligned so that it never straddles two). The bounds of the sleep (`skip_levels`), read at a
/// candidate month only, keep a column of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct Core {
    /// Stable identity: municipality index in the top 8 bits, serial number below.
    pub id: u32,
    pub birth_month: i32,
    /// Month of the last exit from homelessness, or [`NEVER`].
    pub last_exit: i32,
    /// Bit set of [`traits`].
    pub traits: u8,
    /// [`Activity`] as `u8`.
    pub activity: u8,
    /// Programmes the person takes part in (bits of `PROGRAMME_*`).
    pub programmes: u8,
    /// Housing segment + 1 of an allocated unit the person lives in; 0 = none.
    pub tenancy: u8,
}

/// The fields of one person that a month out of the ordinary reads and writes (homelessness,
/// support, institutions, offers: `MunicipalityState::step` after the quiet pass), kept side by
/// side: those months are a few rows in a hundred, far apart, and eleven columns were up to
/// eleven cache lines a row where this record (24 bytes) is one or two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Detail {
    /// Month the current housing state began.
    pub state_since: i32,
    /// Month the current (or last) homelessness spell began.
    pub spell_start: i32,
    /// Month support (or the wait for it, or the time after CTI) began.
    pub support_since: i32,
    /// Off the municipal list until this month (after refusing an offer).
    pub cooldown_until: i32,
    /// Months homeless in completed spells.
    pub months_homeless: u16,
    /// Institution kind, or the housing segment of a pending offer.
    pub state_detail: u8,
    /// Support method (see `model::support`), with a high bit while waiting for a slot.
    pub support: u8,
    /// Tie slot of the current sofa host, or `tie::NO_HOST`.
    pub host_slot: u8,
    pub episodes: u8,
    /// Latent exit type: 0 transitional, 1 episodic, 2 chronic.
    pub latent_type: u8,
    /// How the last exit came about (`model::support::REHOUSED_*`: on their own, or through the
    /// municipality with no support, CTI, ICM or ACT), for the 12-month follow-up by support.
    pub rehoused_with: u8,
}

/// One person's ties, `tie::SLOTS` of them side by side (36 bytes): the kind (`tie::EMPTY`,
/// external, peer, street), the target's id (peers) and the willingness to host (%). They are
/// read for the few who are homeless, supported or moving; as three columns they were three
/// cache lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Ties {
    pub target: [u32; tie::SLOTS],
    pub kind: [u8; tie::SLOTS],
    pub willingness: [u8; tie::SLOTS],
}

impl Ties {
    /// No ties.
    pub const NONE: Ties = Ties {
        target: [0; tie::SLOTS],
        kind: [tie::EMPTY; tie::SLOTS],
        willingness: [0; tie::SLOTS],
    };
}

// The records hold exactly the bytes of the columns they replaced (issue 11's budget: at most
// 64 bytes a person beside the network), and `Core` fits a cache line as a whole.
const _: () = assert!(std::mem::size_of::<Core>() == 16 && std::mem::align_of::<Core>() == 16);
const _: () = assert!(std::mem::size_of::<Detail>() == 24);
const _: () = assert!(std::mem::size_of::<Ties>() == 4 * tie::SLOTS + 2 * tie::SLOTS);

/// Which part of a person's memory a column is (`People::column_bytes`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// One-per-person attributes.
    Person,
    /// The ties (reported apart: the network's bytes are not in the 64-byte budget).
    Network,
}

/// The young people of one municipality: a column per attribute or per record of attributes
/// read together ([`Core`], [`Detail`], [`Ties`]), one row per person.
#[derive(Clone, Debug, Default)]
pub struct People {
    /// The fields every awake month reads, side by side in one record (below).
    pub core: Vec<Core>,
    /// The fields a month out of the ordinary reads (homeless, supported, in an institution,
    /// with an offer), in one record a person (below).
    pub detail: Vec<Detail>,
    pub housing: Vec<HousingState>,
    /// Ties, one record a person ([`Ties`]). Until first read the first kind is
    /// `tie::UNDRAWN` ([`People::draw_ties`]).
    pub ties: Vec<Ties>,
    /// When someone quiet wakes for their next month taken through in full (`model::skip`):
    /// `month * 4 + tag` with months from the run's first month, or `wake::NOW`/`wake::GONE`.
    pub wake: Vec<i16>,
    /// The bound levels their sleep was drawn under: the housing event's in the high byte (the
    /// housed table's, or the at-risk table's for someone asleep at risk), the life events' low.
    pub skip_levels: Vec<u16>,
}

/// Every column of [`People`] with the part of a person's memory it is: the one list that
/// sizing, reserving and dropping rows go through, so no column can be forgotten by one of them.
macro_rules! each_column {
    ($people:expr, $f:ident) => {{
        $f!($people.core, Part::Person);
        $f!($people.detail, Part::Person);
        $f!($people.housing, Part::Person);
        $f!($people.wake, Part::Person);
        $f!($people.skip_levels, Part::Person);
        $f!($people.ties, Part::Network);
    }};
}

impl Detail {
    /// Someone who has never been homeless, supported or in an institution.
    const NEW: Detail = Detail {
        state_since: NEVER,
        spell_start: NEVER,
        support_since: NEVER,
        cooldown_until: NEVER,
        months_homeless: 0,
        state_detail: 0,
        support: 0,
        host_slot: tie::NO_HOST,
        episodes: 0,
        latent_type: 0,
        rehoused_with: 0,
    };
}

impl People {
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// Bytes of the columns, (one-per-person columns, tie columns): of the rows in use, or
    /// allocated (`capacity`: with the room kept for entrants). `examples/bare_sweep.rs` reports
    /// them per person (issue 11's target: at most 64 bytes a person beside the network).
    pub fn column_bytes(&self, allocated: bool) -> (usize, usize) {
        fn element<T>(_: &[T]) -> usize {
            std::mem::size_of::<T>()
        }
        let (mut person, mut ties) = (0, 0);
        macro_rules! add {
            ($v:expr, $part:expr) => {{
                let rows = if allocated { $v.capacity() } else { $v.len() };
                let bytes = rows * element(&$v);
                if $part == Part::Network {
                    ties += bytes
                } else {
                    person += bytes
                }
            }};
        }
        each_column!(self, add);
        (person, ties)
    }

    /// Makes room for `rows` more people. Columns grow by an eighth of their rows at least,
    /// not by doubling: the population is nearly stationary (entrants replace those who age
    /// out, and departed rows are dropped once they are an eighth, see
    /// `model::demography::drop_departed`), so doubling would leave most of the room unused
    /// and every person's columns twice their size.
    pub fn reserve(&mut self, rows: usize) {
        if self.len() + rows <= self.core.capacity() {
            return;
        }
        let rows = rows.max(self.len() / 8 + 16);
        macro_rules! reserve {
            ($v:expr, $part:expr) => {
                $v.reserve_exact(rows)
            };
        }
        each_column!(self, reserve);
    }

    pub fn is_empty(&self) -> bool {
        self.core.is_empty()
    }

    /// Appends a new person, drawn from their own keyed stream. Their peers are drawn from the
    /// serial numbers `peers.0..peers.1` of the municipality.
    pub fn push_new(
        &mut self,
        key: ReplicateKey,
        id: u32,
        birth_month: Month,
        newcomers: &Newcomers,
        peers: (u32, u32),
    ) {
        let (t, activity, latent) =
            Self::draw_attributes(&mut person_rng(key, id), newcomers.params);
        self.core.push(Core {
            id,
            birth_month: birth_month.0,
            last_exit: NEVER,
            traits: t,
            activity: activity as u8,
            programmes: 0,
            tenancy: 0,
        });
        self.housing.push(HousingState::Housed);
        self.detail.push(Detail {
            latent_type: latent,
            ..Detail::NEW
        });
        // The initial ties are drawn when first read (most people never have theirs read:
        // they are read when someone becomes homeless, takes up support or moves), from the
        // same stream, so they are the ties drawing them now would give.
        self.ties.push(if newcomers.tie_law(t).is_some() {
            let e = tie::EMPTY;
            Ties {
                kind: [tie::UNDRAWN, e, e, e, e, e],
                target: [peers.0, peers.1, 0, 0, 0, 0],
                ..Ties::NONE
            }
        } else {
            Ties::NONE
        });
        self.push_unattached();
    }

    /// The columns outside the records of a row just appended, the same for a newcomer and an
    /// arrival: awake, with no bounds of a sleep (no tenancy or programme is in their `Core`, no
    /// place on a list or support in `Detail::NEW`).
    fn push_unattached(&mut self) {
        self.wake.push(wake::NOW);
        self.skip_levels.push(0);
    }

    /// Whether row `i`'s initial ties are still to be drawn.
    #[inline(always)]
    pub fn ties_undrawn(&self, i: usize) -> bool {
        self.ties[i].kind[0] == tie::UNDRAWN
    }

    /// Draws row `i`'s initial ties if they are not drawn yet: their stream replayed past the
    /// attributes, under `newcomers` as they were when the row was appended.
    pub fn draw_ties(&mut self, i: usize, key: ReplicateKey, newcomers: &Newcomers) {
        if !self.ties_undrawn(i) {
            return;
        }
        let id = self.core[i].id;
        let mut rng = person_rng(key, id);
        let (t, _, _) = Self::draw_attributes(&mut rng, newcomers.params);
        let peers = (self.ties[i].target[0], self.ties[i].target[1]);
        let ties = tie::initial_ties(
            &mut rng,
            newcomers.tie_law(t),
            newcomers.params.external_tie_share,
            id >> 24,
            peers,
        );
        let row = &mut self.ties[i];
        for (s, (kind, target)) in ties.into_iter().enumerate() {
            row.kind[s] = kind;
            row.target[s] = target;
            row.willingness[s] = if kind == tie::EMPTY {
                0
            } else {
                tie::FULL_WILLINGNESS
            };
        }
    }

    /// A new person's traits, activity and latent type: the first draws of their stream.
    fn draw_attributes(rng: &mut StreamRng, p: &PopulationParams) -> (u8, Activity, u8) {
        let mut t = 0u8;
        // Independent draws per trait; the hazard ratios then carry the overlap (shrinkage).
        if rng.random_bool(p.care_history_share) {
            t |= traits::CARE;
            if rng.random_bool(p.aftercare_share) {
                t |= traits::AFTERCARE;
            }
        }
        if rng.random_bool(p.psychiatric_share) {
            t |= traits::PSYCHIATRIC;
        }
        if rng.random_bool(p.substance_share) {
            t |= traits::SUBSTANCE;
        }
        if rng.random_bool(p.prison_history_share) {
            t |= traits::PRISON;
        }
        let u: f64 = rng.random();
        let activity = if u < p.education_share {
            Activity::Education
        } else if u < p.education_share + p.job_share {
            Activity::Job
        } else {
            Activity::Neet
        };
        let v: f64 = rng.random();
        let [tr, ep, _] = p.latent_type_shares;
        let latent = if v < tr {
            0
        } else if v < tr + ep {
            1
        } else {
            2
        };
        (t, activity, latent)
    }

    /// The row of a person id, given the serial number of row 0 (rows are in serial order).
    pub fn row_of(&self, base_serial: u32, id: u32) -> Option<usize> {
        let serial = id & 0x00FF_FFFF;
        let row = serial.checked_sub(base_serial)? as usize;
        (row < self.len() && self.core[row].id == id).then_some(row)
    }

    /// A copy of row `i`, for a move to another municipality.
    pub fn person(&self, i: usize) -> Person {
        assert!(
            !self.ties_undrawn(i),
            "a mover's ties are drawn before they move"
        );
        let row = &self.ties[i];
        let ties = std::array::from_fn(|s| (row.kind[s], row.willingness[s]));
        Person {
            birth_month: self.core[i].birth_month,
            traits: self.core[i].traits,
            activity: self.core[i].activity,
            latent_type: self.detail[i].latent_type,
            housing: self.housing[i],
            state_since: self.detail[i].state_since,
            spell_start: self.detail[i].spell_start,
            last_exit: self.core[i].last_exit,
            rehoused_with: self.detail[i].rehoused_with,
            months_homeless: self.detail[i].months_homeless,
            episodes: self.detail[i].episodes,
            ties,
        }
    }

    /// Appends someone who moved here, under a new id of this municipality. Ties to people of
    /// the old municipality are gone; ties outside it (family elsewhere) go with them. They
    /// arrive without an allocated home, support, programme or place on the list.
    pub fn push_arrival(&mut self, p: &Person, id: u32) {
        use tie::EXTERNAL;
        self.core.push(Core {
            id,
            birth_month: p.birth_month,
            last_exit: p.last_exit,
            traits: p.traits,
            activity: p.activity,
            programmes: 0,
            tenancy: 0,
        });
        self.housing.push(p.housing);
        self.detail.push(Detail {
            state_since: p.state_since,
            spell_start: p.spell_start,
            rehoused_with: p.rehoused_with,
            months_homeless: p.months_homeless,
            episodes: p.episodes,
            latent_type: p.latent_type,
            ..Detail::NEW
        });
        let mut row = Ties::NONE;
        for (s, &(kind, willingness)) in p.ties.iter().enumerate() {
            if kind == EXTERNAL {
                (row.kind[s], row.willingness[s]) = (EXTERNAL, willingness);
            }
        }
        self.ties.push(row);
        self.push_unattached();
    }

    /// Takes person `i`, if asleep, through the month after `month` (counted from the run's
    /// first month) in full: whatever changed their programmes, tenancy or support in `month`
    /// may have changed the tables or the quietness their sleep was drawn under
    /// (`model::skip`). They wake as at a boundary, so they leave the counts of the sleeping then.
    #[inline]
    pub fn wake(&mut self, i: usize, month: i32) {
        let w = self.wake[i];
        if (w >> 2) as i32 > month && w != wake::GONE {
            self.wake[i] = ((month + 1) * 4) as i16;
        }
    }

    /// Drops rows `..n` (the aged-out prefix), keeping every column aligned.
    pub fn drop_prefix(&mut self, n: usize) {
        macro_rules! drop {
            ($v:expr, $part:expr) => {
                $v.drain(..n)
            };
        }
        each_column!(self, drop);
    }
}

/// Builds the initial population of one municipality: `count` people with ages spread evenly
/// over 18-29, oldest first (Statistics Denmark's FOLK1B shows roughly equal single-year cohorts).
pub fn initial_people(
    key: ReplicateKey,
    municipality: u32,
    count: u32,
    start: Month,
    p: &PopulationParams,
) -> People {
    let newcomers = Newcomers::new(p);
    let mut people = People::default();
    // With the room the first months' entrants take (as `MunicipalityState::new` keeps).
    people.reserve(count as usize + count as usize / 8);
    let span = (AGE_EXIT_MONTHS - AGE_ENTRY_MONTHS) as u64; // 144 months of ages
    for k in 0..count {
        // Age in months from 359 down to 216, spread evenly: row order is birth order.
        let age = AGE_EXIT_MONTHS - 1 - ((k as u64 * span) / count.max(1) as u64) as i32;
        people.push_new(
            key,
            person_id(municipality, k),
            start.offset(-age),
            &newcomers,
            (0, count),
        );
    }
    people
}

/// Population parameters with no risk factors, no ties and no deaths, for tests that set up
/// people by hand.
#[cfg(test)]
pub(crate) fn bare_params() -> PopulationParams {
    PopulationParams {
        care_history_share: 0.0,
        aftercare_share: 0.0,
        psychiatric_share: 0.0,
        substance_share: 0.0,
        prison_history_share: 0.0,
        education_share: 0.0,
        job_share: 0.0,
        latent_type_shares: [1.0, 0.0, 0.0],
        home_ties_mean: 0.0,
        home_ties_mean_care: 0.0,
        external_tie_share: 0.0,
        mortality_monthly: 0.0,
        mortality_homeless_monthly: 0.0,
        youth_index: 1.0,
    }
}

/// A person's stable id: municipality in the top 8 bits, serial number in the low 24.
pub fn person_id(municipality: u32, serial: u32) -> u32 {
    debug_assert!(municipality < 256 && serial < (1 << 24));
    (municipality << 24) | (serial & 0x00FF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> PopulationParams {
        PopulationParams {
            care_history_share: 0.035,
            aftercare_share: 0.5,
            psychiatric_share: 0.12,
            substance_share: 0.06,
            prison_history_share: 0.02,
            education_share: 0.45,
            job_share: 0.45,
            latent_type_shares: [0.85, 0.10, 0.05],
            home_ties_mean: 3.0,
            home_ties_mean_care: 1.5,
            external_tie_share: 0.5,
            mortality_monthly: 0.00004,
            mortality_homeless_monthly: 0.0007,
            youth_index: 1.0,
        }
    }

    #[test]
    fn initial_population_is_ordered_by_birth_and_in_age_range() {
        let start = Month::new(2010, 1);
        let people = initial_people(ReplicateKey::new(1, 0), 3, 5000, start, &params());
        assert_eq!(people.len(), 5000);
        assert!(
            people
                .core
                .windows(2)
                .all(|w| w[0].birth_month <= w[1].birth_month)
        );
        for r in &people.core {
            let age = start.0 - r.birth_month;
            assert!(
                (AGE_ENTRY_MONTHS..AGE_EXIT_MONTHS).contains(&age),
                "age {age}"
            );
        }
        assert!(people.core.iter().all(|r| r.id >> 24 == 3));
    }

    #[test]
    fn trait_shares_match_parameters() {
        let p = params();
        let n = 200_000;
        let key = ReplicateKey::new(7, 1);
        let mut people = initial_people(key, 0, n, Month::new(2010, 1), &p);
        for i in 0..people.len() {
            people.draw_ties(i, key, &Newcomers::new(&p));
        }
        let share =
            |bit: u8| people.core.iter().filter(|r| r.traits & bit != 0).count() as f64 / n as f64;
        for (bit, expected) in [
            (traits::CARE, p.care_history_share),
            (traits::PSYCHIATRIC, p.psychiatric_share),
            (traits::SUBSTANCE, p.substance_share),
        ] {
            let se = (expected * (1.0 - expected) / n as f64).sqrt();
            let got = share(bit);
            assert!(
                (got - expected).abs() < 5.0 * se,
                "bit {bit}: {got} vs {expected}"
            );
        }
        let non_care: Vec<usize> = (0..people.len())
            .filter(|&i| people.core[i].traits & traits::CARE == 0)
            .collect();
        let mean_hosts = non_care
            .iter()
            .map(|&i| {
                people.ties[i]
                    .kind
                    .iter()
                    .filter(|&&k| k == tie::EXTERNAL || k == tie::PEER)
                    .count() as f64
            })
            .sum::<f64>()
            / non_care.len() as f64;
        // Poisson(3) capped at 6 slots has mean 2.9493.
        assert!(
            (mean_hosts - 2.9493).abs() < 0.02,
            "mean hosts {mean_hosts}"
        );
    }

    #[test]
    fn the_same_key_gives_the_same_people() {
        let p = params();
        let people = |key: ReplicateKey| {
            let mut people = initial_people(key, 1, 1000, Month::new(2010, 1), &p);
            for i in 0..people.len() {
                people.draw_ties(i, key, &Newcomers::new(&p));
            }
            people
        };
        let (a, b) = (
            people(ReplicateKey::new(5, 2)),
            people(ReplicateKey::new(5, 2)),
        );
        let c = people(ReplicateKey::new(5, 3));
        let traits = |p: &People| p.core.iter().map(|r| r.traits).collect::<Vec<_>>();
        assert_eq!(traits(&a), traits(&b));
        assert_eq!(a.ties, b.ties);
        assert_ne!(traits(&a), traits(&c));
        let targets = |p: &People| p.ties.iter().map(|t| t.target).collect::<Vec<_>>();
        assert_ne!(targets(&a), targets(&c));
    }

    /// Initial ties are drawn when first read: what they are must not depend on when that is,
    /// where the row then sits or who was appended since. Rows drawn at once and rows drawn in
    /// reverse order after more entrants and after the first rows were dropped agree slot for
    /// slot (and their peers come from the range of serials they were appended with).
    #[test]
    fn ties_drawn_late_are_the_ties_drawn_at_once() {
        let p = params();
        let key = ReplicateKey::new(9, 4);
        let newcomers = Newcomers::new(&p);
        let (mut now, mut late) = (People::default(), People::default());
        for serial in 0..3_000u32 {
            let peers = (serial / 2, serial + 1);
            for people in [&mut now, &mut late] {
                people.push_new(key, person_id(2, serial), Month(100), &newcomers, peers);
            }
            now.draw_ties(serial as usize, key, &newcomers);
        }
        assert!((0..now.len()).all(|i| !now.ties_undrawn(i)));
        assert!((0..late.len()).any(|i| late.ties_undrawn(i)));
        let dropped = 700;
        late.drop_prefix(dropped);
        for i in (0..late.len()).rev() {
            late.draw_ties(i, key, &newcomers);
        }
        assert_eq!(now.ties[dropped..], late.ties[..]);
        for i in 0..now.len() {
            let ties = &now.ties[i];
            for s in 0..tie::SLOTS {
                if ties.kind[s] == tie::PEER {
                    let serial = ties.target[s] & 0x00FF_FFFF;
                    assert!((i as u32 / 2..i as u32 + 1).contains(&serial));
                }
            }
        }
    }
}
