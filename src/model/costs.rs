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
