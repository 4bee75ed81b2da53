//! Range and consistency checks on a resolved scenario. Collects every problem, does not stop at
//! the first, so a user fixes a file in one go.
//!
//! Ranges are not written here: each number's range is declared beside its field in
//! [`super::types`], lands in the scenario's JSON Schema ([`super::schema`]), and
//! [`declared_ranges`] checks every value against that schema. What is left here are the rules
//! that tie fields together (shares that sum to 1, targets that exist, months in order).

use super::types::*;
use crate::calendar::Month;
use serde_json::Value;

/// A problem with one key.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    fn uint(&mut self, key: &str, v: u64, lo: u64, hi: u64) {
        if v < lo || v > hi {
            self.fail(key, format!("{v} is out of range; allowed: {lo} to {hi}"));
        }
    }
}

/// Checks every value of a scenario; an empty list means it is valid.
pub fn validate(s: &Scenario) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    declared_ranges(&mut c, s);

    if s.name.is_empty()
        || !s
            .name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        c.fail(
            "name",
            format!(
                "`{}` is not a valid name; allowed: letters, digits, `-` and `_`",
                s.name
            ),
        );
    }

    let start = Month::parse(&s.run.start);
    let end = Month::parse(&s.run.end);
    if start.is_none() {
        c.fail(
            "run.start",
            format!(
                "`{}` is not a month; allowed: `YYYY-MM` from 1990-01 to 2100-12",
                s.run.start
            ),
        );
    }
    if end.is_none() {
        c.fail(
            "run.end",
            format!(
                "`{}` is not a month; allowed: `YYYY-MM` from 1990-01 to 2100-12",
                s.run.end
            ),
        );
    }
    if let (Some(a), Some(b)) = (start, end)
        && b < a
    {
        c.fail(
            "run.end",
            format!(
                "{} is before run.start {}; allowed: run.start or later",
                s.run.end, s.run.start
            ),
        );
    }

    let p = &s.population;
    if p.education_share + p.job_share > 1.0 + 1e-9 {
        c.fail(
            "population.job_share",
            format!(
                "education_share + job_share = {} exceeds 1; allowed: a sum of at most 1 (the rest are NEET)",
                p.education_share + p.job_share
            ),
        );
    }
    shares_sum_to_one(
        &mut c,
        "population.latent_type_shares",
        &p.latent_type_shares,
    );

    if s.housing.segments.len() > 32 {
        c.fail(
            "housing.segments",
            format!("{} segments; allowed: at most 32", s.housing.segments.len()),
        );
    }
    for name in s.housing.segments.keys() {
        if name.is_empty()
            || Target::reserved(name)
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            c.fail(
                format!("housing.segments.{name}"),
                format!("`{name}` is not a valid segment name; allowed: letters, digits and `_`, other than the support methods and programmes a budget buys (cti, icm, act, ips, community, treatment)"),
            );
        }
    }

    let su = &s.support;
    // CTI's fidelity ceiling is 20 clients per worker (DA §2.1), tighter than the caseload
    // range the three methods share.
    c.uint("support.caseload[0]", su.caseload[0] as u64, 1, 20);

    let b = &s.budget;
    let mut total_share = 0.0;
    for (i, item) in b.items.iter().enumerate() {
        let k = |f: &str| format!("budget.items[{i}].{f}");
        total_share += item.share;
        if let Some(message) = target_problem(s, item.lever, &item.target) {
            c.fail(k("target"), message);
        } else if let Target::Segment(name) = &item.target
            && s.housing.segments[name].unit_cost_per_year == 0
        {
            c.fail(
                k("target"),
                format!(
                    "segment `{name}` has no unit_cost_per_year, so a budget cannot buy units of it"
                ),
            );
        }
    }
    if total_share > 1.0 + 1e-9 {
        c.fail(
            "budget.items",
            format!("shares sum to {total_share:.6}; allowed: at most 1"),
        );
    }
    if !b.items.is_empty() && b.annual_dkk == 0 {
        c.fail(
            "budget.annual_dkk",
            "0 with items to buy; allowed: a positive budget",
        );
    }

    rollout_problems(&mut c, s);

    // Nothing above reads `s.changes`: what is found so far is the scenario without them.
    for (key, message) in super::timeline::problems(s, &c.problems) {
        c.fail(key, message);
    }

    c.problems
}

fn shares_sum_to_one(c: &mut Checker, key: &str, v: &[f64]) {
    let sum: f64 = v.iter().sum();
    if (sum - 1.0).abs() > 1e-6 {
        c.fail(
            key,
            format!("shares sum to {sum:.6}; allowed: shares that sum to 1"),
        );
    }
}

/// Whether `target` is something `lever` buys (for budget items and concept components):
/// a segment of this scenario for units, a support method for workers, a programme for places.
fn target_problem(s: &Scenario, lever: Lever, target: &Target) -> Option<String> {
    let fits = match (lever, target) {
        (Lever::Units, Target::Segment(name)) => s.housing.segments.contains_key(name),
        (Lever::SupportWorkers, Target::Support(_)) | (Lever::Places, Target::Programme(_)) => true,
        _ => false,
    };
    let allowed: Vec<&str> = match lever {
        Lever::Units => s.housing.segments.keys().map(String::as_str).collect(),
        Lever::SupportWorkers => SupportKind::ALL.iter().map(|k| k.name()).collect(),
        Lever::Places => Programme::ALL.iter().map(|p| p.name()).collect(),
    };
    (!fits).then(|| {
        format!(
            "`{target}` is not a target of lever {lever:?}; allowed: {}",
            allowed.join(", ")
        )
    })
}

/// Refunds, movement, size classes, channels, concepts and rollout plans. Municipality and
/// region names are checked against the data table in `model::Setup::new`.
fn rollout_problems(c: &mut Checker, s: &Scenario) {
    let k = &s.municipality_classes;
    if k.medium_from >= k.large_from {
        c.fail(
            "municipality_classes.large_from",
            format!(
                "{} is not above medium_from {}; allowed: medium_from < large_from",
                k.large_from, k.medium_from
            ),
        );
    }

    for (name, ch) in &s.channels {
        let key = |f: &str| format!("channels.{name}.{f}");
        let p = &ch.outcome_prices;
        if ch.funder != Funder::Investor && *p != OutcomePrices::default() {
            c.fail(
                key("outcome_prices"),
                "outcome prices on a channel whose funder is not an investor; allowed: prices only with funder = \"investor\"",
            );
        }
    }

    for (name, concept) in &s.concepts {
        if concept.components.is_empty() {
            c.fail(
                format!("concepts.{name}.components"),
                "no components; allowed: at least one lever the concept adds",
            );
        }
        for (i, comp) in concept.components.iter().enumerate() {
            let key = |f: &str| format!("concepts.{name}.components[{i}].{f}");
            if let Some(message) = target_problem(s, comp.lever, &comp.target) {
                c.fail(key("target"), message);
            }
        }
    }

    let names = |map: Vec<&String>| {
        map.into_iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, plan) in s.rollout.iter().enumerate() {
        let key = |f: &str| format!("rollout[{i}].{f}");
        if !s.concepts.contains_key(&plan.concept) {
            c.fail(
                key("concept"),
                format!(
                    "unknown concept `{}`; allowed: {}",
                    plan.concept,
                    names(s.concepts.keys().collect())
                ),
            );
        }
        if !s.channels.contains_key(&plan.channel) {
            c.fail(
                key("channel"),
                format!(
                    "unknown channel `{}`; allowed: {}",
                    plan.channel,
                    names(s.channels.keys().collect())
                ),
            );
        }
        if Month::parse(&plan.start).is_none() {
            c.fail(
                key("start"),
                format!("`{}` is not a month; allowed: YYYY-MM", plan.start),
            );
        }
        match (&plan.select, plan.municipalities.is_empty()) {
            (None, true) => c.fail(
                key("municipalities"),
                "no municipalities and no `select` rule; allowed: named municipalities or a rule",
            ),
            (Some(_), false) => c.fail(
                key("select"),
                "both named municipalities and a rule; allowed: one of them",
            ),
            _ => {}
        }
        // Optional floats serialize NaN as `null`, which the schema walk reads as absent.
        for (k, v) in [
            ("fidelity", plan.fidelity),
            (
                "select.min_rate_per_1000",
                plan.select.as_ref().and_then(|x| x.min_rate_per_1000),
            ),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                c.fail(
                    key(k),
                    "is not a finite number; allowed: a finite number in range",
                );
            }
        }
    }
}

/// Checks every number of `s` against the range its field declares in the schema. A float that
/// is NaN or infinite serializes as `null`; where the schema does not allow `null` that is
/// reported as not finite. (The two optional floats, a rollout's `fidelity` and
/// `select.min_rate_per_1000`, are checked for finiteness in [`rollout_problems`].)
fn declared_ranges(c: &mut Checker, s: &Scenario) {
    let value = serde_json::to_value(s).expect("a scenario serializes to JSON");
    let root = super::schema();
    walk(c, root, root, &value, &mut String::new());
}

/// Checks `value` against `schema`; `key` is its path, extended in place for each field and
/// item and restored after (a scenario is checked at every point of every dated change, and a
/// new string per field was a sixth of loading one: callgrind, 20 loads of the community track,
/// 1,963 M instructions with it, 1,638 M without).
fn walk(c: &mut Checker, root: &Value, schema: &Value, value: &Value, key: &mut String) {
    let schema = resolve(root, schema, value);
    let len = key.len();
    match value {
        Value::Object(fields) => {
            for (name, v) in fields {
                let field = schema
                    .get("properties")
                    .and_then(|p| p.get(name))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(field) = field {
                    if len > 0 {
                        key.push('.');
                    }
                    key.push_str(name);
                    walk(c, root, field, v, key);
                    key.truncate(len);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    use std::fmt::Write;
                    write!(key, "[{i}]").expect("writing to a String");
                    walk(c, root, item, v, key);
                    key.truncate(len);
                }
            }
        }
        Value::Number(n) => {
            let v = n.as_f64().unwrap_or(f64::NAN);
            let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
            let inside = bound("minimum").is_none_or(|lo| v >= lo)
                && bound("exclusiveMinimum").is_none_or(|lo| v > lo)
                && bound("maximum").is_none_or(|hi| v <= hi)
                && bound("exclusiveMaximum").is_none_or(|hi| v < hi);
            if !inside {
                c.fail(
                    key.as_str(),
                    format!("{} is out of range; allowed: {}", shown(n), allowed(schema)),
                );
            }
        }
        Value::Null if is_number(schema) && !allows_null(schema) => c.fail(
            key.as_str(),
            format!("is not a finite number; allowed: {}", allowed(schema)),
        ),
        _ => {}
    }
}

/// Follows `$ref` to `$defs`, and picks the branch of an `anyOf` (an optional table) that
/// fits a present value.
fn resolve<'a>(root: &'a Value, schema: &'a Value, value: &Value) -> &'a Value {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        return resolve(root, &root["$defs"][name], value);
    }
    if let Some(Value::Array(branches)) = schema.get("anyOf").or_else(|| schema.get("oneOf"))
        && !value.is_null()
        && let Some(b) = branches
            .iter()
            .find(|b| b.get("type") != Some(&"null".into()))
    {
        return resolve(root, b, value);
    }
    schema
}

fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_number(schema: &Value) -> bool {
    types(schema)
        .iter()
        .any(|t| *t == "number" || *t == "integer")
}

fn allows_null(schema: &Value) -> bool {
    types(schema).contains(&"null")
}

/// A number as the user wrote it: integers without a decimal point, floats in Rust's shortest
/// form (`0.5`, `3`).
fn shown(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (_, Some(u), _) => u.to_string(),
        (_, _, Some(f)) => f.to_string(),
        _ => n.to_string(),
    }
}

/// The declared range in words: `0 to 1`, `0 to below 1`, `above 0 up to 1`.
fn allowed(schema: &Value) -> String {
    let bound = |k: &str| schema.get(k).and_then(Value::as_f64);
    let lower = match (bound("minimum"), bound("exclusiveMinimum")) {
        (_, Some(lo)) => Some(format!("above {lo} up")),
        (Some(lo), None) => Some(lo.to_string()),
        (None, None) => None,
    };
    let upper = match (bound("maximum"), bound("exclusiveMaximum")) {
        (_, Some(hi)) => Some(format!("below {hi}")),
        (Some(hi), None) => Some(hi.to_string()),
        (None, None) => None,
    };
    match (lower, upper) {
        (Some(lo), Some(hi)) => format!("{lo} to {hi}"),
        (Some(lo), None) => format!("{} or more", lo.trim_end_matches(" up")),
        (None, Some(hi)) => format!("up to {hi}"),
        (None, None) => "any finite number".into(),
    }
}
