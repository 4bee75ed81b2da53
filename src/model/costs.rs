//! Costs of the month, in whole DKK so that sums are exact and order-free.

use super::params::Params;
use crate::metrics::MonthCounts;

/// Shelter person-months times the unit cost (Social- og Boligstyrelsen via
/// godtigang-housingfirst.dk: about 550,000 DKK a year).
pub fn account(counts: &mut MonthCounts, params: &Params) {
    counts.shelter_cost_dkk = counts.shelter * params.shelter_month_cost;
    // Support per client-month (DA §7.4G).
    let [cti, icm, act] = params.support_month_cost;
    counts.support_cost_dkk = (counts.cti_phase_1 + counts.cti_phase_2 + counts.cti_phase_3) * cti
        + counts.icm_clients * icm
        + counts.act_clients * act;
}

/// Cost items of the ledger (`metrics::ITEMS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Support,
    RentSubsidy,
    ProgrammePlaces,
    Capital,
    OutcomePayments,
}

/// Books `dkk` of `item` as paid by `payer` (and adds it to the item's gross spend).
pub fn pay(c: &mut MonthCounts, item: Item, payer: crate::scenario::Funder, dkk: u64) {
    use crate::scenario::Funder::*;
    if dkk == 0 {
        return;
    }
    let (spend, paid) = match (item, payer) {
        (Item::Support, Municipality) => (
            &mut c.spend_support_dkk,
            &mut c.paid_support_municipality_dkk,
        ),
        (Item::Support, Investor) => (&mut c.spend_support_dkk, &mut c.paid_support_investor_dkk),
        (Item::Support, Foundation) => {
            (&mut c.spend_support_dkk, &mut c.paid_support_foundation_dkk)
        }
        (Item::RentSubsidy, Municipality) => (
            &mut c.spend_rent_subsidy_dkk,
            &mut c.paid_rent_subsidy_municipality_dkk,
        ),
        (Item::RentSubsidy, Investor) => (
            &mut c.spend_rent_subsidy_dkk,
            &mut c.paid_rent_subsidy_investor_dkk,
        ),
        (Item::RentSubsidy, Foundation) => (
            &mut c.spend_rent_subsidy_dkk,
            &mut c.paid_rent_subsidy_foundation_dkk,
        ),
        (Item::ProgrammePlaces, Municipality) => (
            &mut c.spend_programme_places_dkk,
            &mut c.paid_programme_places_municipality_dkk,
        ),
        (Item::ProgrammePlaces, Investor) => (
            &mut c.spend_programme_places_dkk,
            &mut c.paid_programme_places_investor_dkk,
        ),
        (Item::ProgrammePlaces, Foundation) => (
            &mut c.spend_programme_places_dkk,
            &mut c.paid_programme_places_foundation_dkk,
        ),
        (Item::Capital, Municipality) => (
            &mut c.spend_capital_dkk,
            &mut c.paid_capital_municipality_dkk,
        ),
        (Item::Capital, Investor) => (&mut c.spend_capital_dkk, &mut c.paid_capital_investor_dkk),
        (Item::Capital, Foundation) => {
            (&mut c.spend_capital_dkk, &mut c.paid_capital_foundation_dkk)
        }
        // Outcome payments are always the municipality's.
        (Item::OutcomePayments, _) => (
            &mut c.spend_outcome_payments_dkk,
            &mut c.paid_outcome_payments_municipality_dkk,
        ),
    };
    *spend += dkk;
    *paid += dkk;
}

/// The municipality's own books of the month, after the rollout's ([`pay`]) are in: shelter
/// stays split with the state by the refund rules; support for its own clients (per
/// client-month, up to its own slots) and the workers, units and places a budget bought (paid
/// whether used or not), with the state's § 85 a refund on the municipality's support.
pub fn ledger(
    c: &mut MonthCounts,
    params: &Params,
    own_slots: &[u32; 3],
    caseload: &[u32; 3],
    budget_by_lever: [u64; 3],
) {
    let r = &params.refunds;
    // Shelter: the state refunds its share of the refunded nights (30 nights a month).
    let refunded = mul_div(
        params.shelter_month_cost,
        c.shelter_refund_nights,
        r.shelter_permille,
        30_000,
    );
    c.paid_shelter_state_dkk = refunded.min(c.shelter_cost_dkk);
    c.paid_shelter_municipality_dkk = c.shelter_cost_dkk - c.paid_shelter_state_dkk;

    let own: u64 = (0..3)
        .map(|k| caseload[k].min(own_slots[k]) as u64 * params.support_month_cost[k])
        .sum();
    let [units, workers, places] = budget_by_lever;
    use crate::scenario::Funder::Municipality;
    pay(c, Item::Support, Municipality, own + workers);
    pay(c, Item::RentSubsidy, Municipality, units);
    pay(c, Item::ProgrammePlaces, Municipality, places);
    // The § 85 a refund: the state's share of the municipality's support, for the share of
    // clients within the refunded months.
    let clients =
        (c.cti_phase_1 + c.cti_phase_2 + c.cti_phase_3 + c.icm_clients + c.act_clients).max(1);
    let refund = mul_div(
        c.paid_support_municipality_dkk,
        c.support_refund_clients.min(clients),
        r.support_permille,
        clients * 1000,
    );
    c.paid_support_municipality_dkk -= refund;
    c.paid_support_state_dkk += refund;
}

/// `x * y * z / d`, rounded down, exactly: in 64 bits when the product fits, as it does but for
/// sums far beyond any municipality's month, else in 128 (whose division was 1.3 % of a run at
/// scale 0.001, where every municipality-month's ledger takes two).
fn mul_div(x: u64, y: u64, z: u64, d: u64) -> u64 {
    match x.checked_mul(y).and_then(|p| p.checked_mul(z)) {
        Some(p) => p / d,
        None => (x as u128 * y as u128 * z as u128 / d as u128) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::mul_div;

    /// The 64-bit path gives what 128 bits give, around and beyond the products that fit.
    #[test]
    fn mul_div_is_exact_on_both_paths() {
        let reference =
            |x: u64, y: u64, z: u64, d: u64| (x as u128 * y as u128 * z as u128 / d as u128) as u64;
        let values = [
            0,
            1,
            7,
            999,
            1000,
            30_000,
            86_400,
            1 << 20,
            1 << 31,
            u32::MAX as u64,
            1 << 40,
        ];
        for &x in &values {
            for &y in &values {
                for &z in &[0, 1, 250, 500, 1000] {
                    for &d in &[1, 1000, 30_000, 7_000_000] {
                        // Quotients that do not fit 64 bits are not asked for.
                        if (x as u128 * y as u128 * z as u128 / d as u128) > u64::MAX as u128 {
                            continue;
                        }
                        assert_eq!(
                            mul_div(x, y, z, d),
                            reference(x, y, z, d),
                            "{x} {y} {z} {d}"
                        );
                    }
                }
            }
        }
        // A product beyond 64 bits takes the 128-bit path.
        assert!((1u64 << 40).checked_mul(1 << 31).is_none());
        assert_eq!(
            mul_div(1 << 40, 1 << 31, 1000, 1 << 20),
            (1u64 << 51) * 1000
        );
    }
}
