//! Municipal housing allocation (kommunal anvisning, domain-anchors §5 and §7.4D).
//!
//! Each month, per segment, some units fall vacant; the municipality allocates its share of them,
//! and part of that share goes to homeless young people. Those on the list are ranked by assessed
//! need (not by waiting time), each slot is offered down the ranking to the first person who is
//! eligible for the segment and can afford its rent; an offer is accepted or refused, and a
//! refusal takes the person off the list for a cooldown. Nobody gets two offers in a month.

use rand_distr::{Binomial, Distribution};

use super::params::Params;
use crate::population::{Activity, HousingState, People, traits};
use crate::rng::{Decision, MunicipalMonth, PersonDraws};
use crate::scenario::{Eligibility, IncomeParams, PriorityWeights};

/// One person on the municipal list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub row: u32,
    pub id: u32,
    pub score: u32,
    pub spell_start: i32,
}

/// Need-based priority points of a homeless person.
pub fn priority_score(people: &People, i: usize, month: i32, w: &PriorityWeights) -> u32 {
    let t = people.core[i].traits;
    let mut score = 0;
    if t & traits::PSYCHIATRIC != 0 {
        score += w.psychiatric;
    }
    if t & traits::CARE != 0 {
        score += w.care_history;
    }
    if t & traits::SUBSTANCE != 0 {
        score += w.substance;
    }
    if matches!(
        people.housing[i],
        HousingState::Shelter | HousingState::Street
    ) {
        score += w.shelter_or_street;
    }
    let months = (month - people.detail[i].spell_start).clamp(0, 24) as u32;
    score + w.per_month_homeless * months
}

/// Sorts a list by priority: highest score first, then longest spell, then lowest id. A total
/// order, so the ranking never depends on the order people were found in.
pub fn rank(queue: &mut [Candidate]) {
    queue.sort_unstable_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.spell_start.cmp(&b.spell_start))
            .then(a.id.cmp(&b.id))
    });
}

/// Builds the ranked list from the homeless rows of a municipality.
pub fn build_queue(
    people: &People,
    homeless_rows: &[u32],
    month: i32,
    params: &Params,
    queue: &mut Vec<Candidate>,
) {
    queue.clear();
    for &row in homeless_rows {
        let i = row as usize;
        let listed = matches!(
            people.housing[i],
            HousingState::Sofa | HousingState::Shelter | HousingState::Street
        ) && month - people.detail[i].spell_start >= params.list_after_months
            && people.detail[i].cooldown_until <= month;
        if listed {
            queue.push(Candidate {
                row,
                id: people.core[i].id,
                score: priority_score(people, i, month, &params.priority),
                spell_start: people.detail[i].spell_start,
            });
        }
    }
    rank(queue);
}

/// Monthly income of a person (DKK), from their activity (denmark-data §6).
pub fn income(people: &People, i: usize, inc: &IncomeParams) -> u32 {
    match Activity::from_u8(people.core[i].activity) {
        Activity::Job => inc.wage,
        Activity::Education => inc.student_grant,
        Activity::Neet if people.core[i].traits & traits::PSYCHIATRIC != 0 => {
            inc.benefit_psychiatric
        }
        Activity::Neet => inc.benefit,
    }
}

/// Whether a person can afford a rent: rent at most `max_rent_share` of income.
pub fn can_afford(income: u32, rent: u32, max_rent_share: f64) -> bool {
    rent as f64 <= income as f64 * max_rent_share
}

/// Whether a person may be offered a unit of a segment with this eligibility rule.
pub fn is_eligible(people: &People, i: usize, rule: Eligibility) -> bool {
    let education = Activity::from_u8(people.core[i].activity) == Activity::Education;
    match rule {
        Eligibility::Any => true,
        Eligibility::Education => education,
        Eligibility::EducationOrSocialNeed => {
            education || people.core[i].traits & (traits::CARE | traits::PSYCHIATRIC) != 0
        }
    }
}

/// An offer made this month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub row: u32,
    pub segment: u8,
    pub accepted: bool,
}

/// Walks the ranked list for each slot, segment by segment in declared order. `fits` says whether
/// a person may take a unit of a segment; `accepts` draws whether an offer is accepted. A refused
/// slot goes on down the list. Returns the offers and the slots nobody on the list could take.
pub fn make_offers(
    queue: &[Candidate],
    slots: &[u32],
    mut fits: impl FnMut(u32, usize) -> bool,
    mut accepts: impl FnMut(u32, usize) -> bool,
) -> (Vec<Offer>, u32) {
    let mut offered = vec![false; queue.len()];
    let mut offers = Vec::new();
    let mut unused = 0;
    for (segment, &n) in slots.iter().enumerate() {
        for _ in 0..n {
            let mut filled = false;
            for (k, c) in queue.iter().enumerate() {
                if offered[k] || !fits(c.row, segment) {
                    continue;
                }
                offered[k] = true;
                let accepted = accepts(c.row, segment);
                offers.push(Offer {
                    row: c.row,
                    segment: segment as u8,
                    accepted,
                });
                if accepted {
                    filled = true;
                    break;
                }
            }
            if !filled {
                unused += 1;
            }
        }
    }
    (offers, unused)
}

/// What a municipality keeps from month to month to draw its allocation slots: the laws of each
/// segment's monthly vacancies (units x turnover) and of the youth slots among them (vacancies x
/// share), each kept while its inputs stay as they were (a binomial law's setup for a small
/// segment takes a `powf`: 2 % of a run at scale 0.01, where every municipality's segments are
/// small and the same few vacancy counts come back), and the month's slots, so that a month
/// allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct SlotDraws {
    laws: Vec<SegmentLaws>,
    slots: Vec<u32>,
}

#[derive(Clone, Debug, Default)]
struct SegmentLaws {
    vacancies: Option<(u64, f64, Binomial)>,
    slots: Option<(u64, f64, Binomial)>,
}

/// The binomial law of `n` trials with chance `p`, from `kept` if it was built for them.
fn binomial(kept: &mut Option<(u64, f64, Binomial)>, n: u64, p: f64) -> &Binomial {
    if !matches!(kept, Some((k, q, _)) if *k == n && *q == p) {
        *kept = Some((n, p, Binomial::new(n, p).expect("validated chance")));
    }
    &kept.as_ref().expect("set above").2
}

/// This month's allocation slots for homeless young people, per segment, never more than the
/// free units of the segment, and their sum (the month's `vacancies` count), summed as they are
/// drawn: read back from the list just written, each read waited for the stores before it (7 %
/// of a run at scale 0.001).
pub fn draw_slots<'a>(
    streams: MunicipalMonth,
    params: &Params,
    stock: &[u32],
    occupied: &[u32],
    kept: &'a mut SlotDraws,
) -> (&'a [u32], u64) {
    let SlotDraws { laws, slots } = kept;
    if laws.len() < params.segments.len() {
        laws.resize(params.segments.len(), SegmentLaws::default());
    }
    slots.clear();
    let mut total = 0;
    slots.extend(params.segments.iter().enumerate().map(|(s, rule)| {
        if stock[s] == 0 {
            return 0;
        }
        let mut rng = streams.rng(Decision::Vacancies.code_for_segment(s));
        let laws = &mut laws[s];
        let vacant =
            binomial(&mut laws.vacancies, stock[s] as u64, rule.monthly_turnover).sample(&mut rng);
        // No vacancy, no slot: the slot law's draw would be 0 whatever it read, and the
        // stream is this segment-month's own, so skipping it changes no other draw.
        if vacant == 0 {
            return 0;
        }
        let slots = binomial(&mut laws.slots, vacant, rule.youth_slot_share).sample(&mut rng);
        let slots = (slots as u32).min(stock[s].saturating_sub(occupied[s]));
        total += slots as u64;
        slots
    }));
    (slots, total)
}

/// Whether the person in `row` may take a unit of segment `s`.
pub fn fits(people: &People, row: u32, s: usize, params: &Params) -> bool {
    let i = row as usize;
    let rule = &params.segments[s];
    is_eligible(people, i, rule.eligibility)
        && can_afford(
            income(people, i, &params.income),
            rule.rent,
            params.income.max_rent_share,
        )
}

/// Whether the person in `row` accepts an offer in segment `s` (keyed per person, month, segment).
pub fn accepts(people: &People, row: u32, s: usize, params: &Params, draws: PersonDraws) -> bool {
    draws.chance(
        people.core[row as usize].id,
        Decision::OfferAcceptance.code_for_segment(s),
        params.offer_acceptance,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ReplicateKey;

    fn cand(row: u32, score: u32, spell_start: i32) -> Candidate {
        Candidate {
            row,
            id: 1000 + row,
            score,
            spell_start,
        }
    }

    #[test]
    fn ranking_is_by_need_then_wait_then_id() {
        let mut q = vec![
            cand(0, 10, 5),
            cand(1, 30, 9),
            cand(2, 10, 2),
            cand(3, 30, 9),
        ];
        rank(&mut q);
        let rows: Vec<u32> = q.iter().map(|c| c.row).collect();
        assert_eq!(rows, vec![1, 3, 2, 0]);
    }

    #[test]
    fn offers_go_down_the_ranking_and_respect_capacity() {
        let q = vec![cand(7, 50, 0), cand(8, 40, 0), cand(9, 30, 0)];
        // One slot in segment 0; everyone fits and accepts: only the first gets it.
        let (offers, unused) = make_offers(&q, &[1], |_, _| true, |_, _| true);
        assert_eq!(
            offers,
            vec![Offer {
                row: 7,
                segment: 0,
                accepted: true
            }]
        );
        assert_eq!(unused, 0);
        // Five slots for three people: two stay unused, nobody gets two offers.
        let (offers, unused) = make_offers(&q, &[5], |_, _| true, |_, _| true);
        assert_eq!(offers.len(), 3);
        assert_eq!(unused, 2);
    }

    #[test]
    fn a_refused_slot_goes_to_the_next_and_the_refuser_gets_no_second_offer() {
        let q = vec![cand(1, 50, 0), cand(2, 40, 0), cand(3, 30, 0)];
        let (offers, unused) = make_offers(&q, &[2], |_, _| true, |row, _| row != 1);
        assert_eq!(
            offers,
            vec![
                Offer {
                    row: 1,
                    segment: 0,
                    accepted: false
                },
                Offer {
                    row: 2,
                    segment: 0,
                    accepted: true
                },
                Offer {
                    row: 3,
                    segment: 0,
                    accepted: true
                },
            ]
        );
        assert_eq!(unused, 0);
    }

    #[test]
    fn ineligible_people_are_skipped_per_segment() {
        let q = vec![cand(1, 50, 0), cand(2, 40, 0)];
        // Segment 0 only fits row 2; segment 1 fits everyone.
        let (offers, _) = make_offers(&q, &[1, 1], |row, s| s == 1 || row == 2, |_, _| true);
        assert_eq!(offers[0].row, 2);
        assert_eq!(offers[0].segment, 0);
        assert_eq!(offers[1].row, 1);
        assert_eq!(offers[1].segment, 1);
    }

    fn baseline_params() -> Params {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let resolved = crate::scenario::load(&path, &[]).expect("baseline loads");
        Params::new(
            &resolved.scenario,
            crate::model::RunSpec::of(&resolved.scenario).scale,
        )
    }

    fn homeless_people(n: usize, spell_start: i32) -> People {
        let mut p = People::default();
        let params = crate::population::bare_params();
        for k in 0..n {
            p.push_new(
                ReplicateKey::new(1, 0),
                k as u32,
                crate::calendar::Month(0),
                &crate::population::Newcomers::new(&params),
                (0, n as u32),
            );
            p.housing[k] = HousingState::Sofa;
            p.detail[k].spell_start = spell_start;
        }
        p
    }

    #[test]
    fn the_list_ranks_by_need_and_skips_cooldowns_and_newcomers() {
        let params = baseline_params();
        let month = 100;
        let mut people = homeless_people(4, month - 3);
        people.core[2].traits = traits::PSYCHIATRIC; // most need
        people.housing[3] = HousingState::Street; // more need than sofa
        people.detail[1].spell_start = month; // homeless since this month: not listed yet
        people.detail[0].cooldown_until = month + 2; // refused an offer recently
        let rows = [0, 1, 2, 3];
        let mut queue = Vec::new();
        build_queue(&people, &rows, month, &params, &mut queue);
        let listed: Vec<u32> = queue.iter().map(|c| c.row).collect();
        assert_eq!(listed, vec![2, 3]);
        // When the cooldown has passed, the person is back on the list.
        build_queue(&people, &rows, month + 2, &params, &mut queue);
        assert!(queue.iter().any(|c| c.row == 0));
        // The pending offer holder is never listed.
        people.housing[2] = HousingState::OfferPending;
        build_queue(&people, &rows, month + 2, &params, &mut queue);
        assert!(queue.iter().all(|c| c.row != 2));
    }

    #[test]
    fn slots_never_exceed_free_units() {
        let params = baseline_params();
        let key = ReplicateKey::new(3, 0);
        let stock = vec![1000, 500, 50, 5, 0];
        let occupied = vec![1000, 499, 0, 5, 0];
        for month in 0..200 {
            let mut kept = SlotDraws::default();
            let streams = crate::rng::MunicipalMonth::new(key, 0, month);
            let (slots, total) = draw_slots(streams, &params, &stock, &occupied, &mut kept);
            assert_eq!(total, slots.iter().map(|&x| x as u64).sum::<u64>());
            for s in 0..stock.len() {
                assert!(
                    slots[s] <= stock[s] - occupied[s],
                    "segment {s} month {month}"
                );
            }
        }
    }

    #[test]
    fn affordability_follows_income_and_rent() {
        // Uddannelseshjælp 6,331 DKK (2020) x 0.55 = 3,482: a 3,500 DKK unit is just out of reach,
        // a 3,100 DKK youth home is within it.
        assert!(!can_afford(6331, 3500, 0.55));
        assert!(can_afford(6331, 3100, 0.55));
        assert!(can_afford(11554, 3500, 0.55));
    }
}
