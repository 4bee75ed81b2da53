//! Dated changes: any numeric scenario key can follow a dated series, nationally or in named
//! municipalities (`[changes.NAME]` in a scenario file).
//!
//! This is the one mechanism behind history (cohort sizes, the cheap-housing squeeze, the 2021
//! reform, ...) and behind rollout schedules: a concept switched on in a municipality is a dated
//! change of its levers. The scenario layer only answers "what does the scenario say in month t
//! for municipality m"; the model turns each distinct answer into prepared parameters once
//! ([`crate::model::Setup`]), so the monthly step never evaluates a series.
//!
//! A change is applied to the scenario as `--set` would apply it, on the serialized scenario, so
//! every numeric key works the same way, array elements included (`exits.type_exit_monthly[2]`).

use std::collections::BTreeSet;

use toml::{Table, Value};

use super::types::{Change, Interpolation, Scenario};
use crate::calendar::Month;

/// Top-level sections a change may not touch: they say how the run is set up, not what the
/// world is like in a month.
const FIXED_SECTIONS: [&str; 7] = [
    "name",
    "description",
    "extends",
    "run",
    "data",
    "trial",
    "changes",
];

/// One part of a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Key(String),
    Index(usize),
}

/// Splits `a.b[2].c` into parts; `None` if it is not a well-formed key path.
fn parse_key(key: &str) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    for segment in key.split('.') {
        let (name, mut rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if name.is_empty() {
            return None;
        }
        parts.push(Part::Key(name.to_string()));
        while !rest.is_empty() {
            let close = rest.find(']')?;
            let index = rest.get(1..close)?.parse::<usize>().ok()?;
            if !rest.starts_with('[') {
                return None;
            }
            parts.push(Part::Index(index));
            rest = &rest[close + 1..];
        }
    }
    (!parts.is_empty()).then_some(parts)
}

fn lookup_mut<'a>(table: &'a mut Table, parts: &[Part]) -> Option<&'a mut Value> {
    let (first, rest) = parts.split_first()?;
    let Part::Key(k) = first else { return None };
    let mut value = table.get_mut(k)?;
    for part in rest {
        value = match (part, value) {
            (Part::Key(k), Value::Table(t)) => t.get_mut(k)?,
            (Part::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

fn lookup<'a>(table: &'a Table, parts: &[Part]) -> Option<&'a Value> {
    let (first, rest) = parts.split_first()?;
    let Part::Key(k) = first else { return None };
    let mut value = table.get(k)?;
    for part in rest {
        value = match (part, value) {
            (Part::Key(k), Value::Table(t)) => t.get(k)?,
            (Part::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Whether a key's value is a whole number (then series values are rounded and must be whole at
/// their points) or a real number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Integer,
    Float,
}

/// Why a change's key cannot be changed over time, asked of the scenario's [`without_changes`]
/// table (made once for all of a scenario's changes).
fn key_problem(table: &Table, key: &str) -> Option<String> {
    let Some(parts) = parse_key(key) else {
        return Some(format!(
            "`{key}` is not a key path; allowed: dotted keys with optional indices, e.g. `exits.type_exit_monthly[2]`"
        ));
    };
    if let Part::Key(top) = &parts[0]
        && FIXED_SECTIONS.contains(&top.as_str())
    {
        return Some(format!(
            "`{key}` cannot change over time; allowed: keys outside {}",
            FIXED_SECTIONS.join(", ")
        ));
    }
    kind_in(table, &parts).err().map(|m| format!("`{key}` {m}"))
}

fn serialized(s: &Scenario) -> Table {
    match Value::try_from(s).expect("a scenario serializes to TOML") {
        Value::Table(t) => t,
        _ => unreachable!("a scenario is a table"),
    }
}

/// The scenario as a table without its dated changes: what a change is applied to. A key of
/// `changes` is never one a change may set ([`FIXED_SECTIONS`]), and the scenario a change
/// makes has none of its own, so the table is made once and copied for each stretch and each
/// point checked (serializing the baseline's scenario, changes and all, for each of its 240
/// stretches was a third of loading it).
fn without_changes(s: &Scenario) -> Table {
    let mut table = serialized(s);
    table.remove("changes");
    table
}

fn key_kind(s: &Scenario, parts: &[Part]) -> Result<KeyKind, String> {
    kind_in(&serialized(s), parts)
}

fn kind_in(table: &Table, parts: &[Part]) -> Result<KeyKind, String> {
    match lookup(table, parts) {
        Some(Value::Integer(_)) => Ok(KeyKind::Integer),
        Some(Value::Float(_)) => Ok(KeyKind::Float),
        Some(_) => Err("is not a number; allowed: numeric scenario keys".into()),
        None => Err("is not a key of this scenario; allowed: numeric scenario keys".into()),
    }
}

/// Whether a scenario key holds a whole or a real number (an error says why it is not a
/// numeric key of `s`).
pub fn kind_of(s: &Scenario, key: &str) -> Result<KeyKind, String> {
    let parts = parse_key(key).ok_or_else(|| format!("`{key}` is not a key path"))?;
    // A point of a dated change takes the kind of the key it changes.
    if let [
        Part::Key(c),
        Part::Key(name),
        Part::Key(p),
        Part::Index(_),
        Part::Key(v),
    ] = parts.as_slice()
        && c == "changes"
        && p == "points"
        && v == "value"
        && let Some(change) = s.changes.get(name)
    {
        let target =
            parse_key(&change.key).ok_or_else(|| format!("`{}` is not a key path", change.key))?;
        return key_kind(s, &target);
    }
    key_kind(s, &parts)
}

/// The smallest overlay that gives `keys` the values they have in `s`: a plain key is written
/// as itself, an array element as its whole array (overlays replace arrays whole), and a key
/// inside a dated change as the whole change (`changes.NAME`), so the overlay stands alone.
pub fn overlay_for(s: &Scenario, keys: &[String]) -> Table {
    let full = serialized(s);
    let mut out = Table::new();
    for key in keys {
        let Some(parts) = parse_key(key) else {
            continue;
        };
        let mut path: Vec<String> = Vec::new();
        for part in &parts {
            match part {
                Part::Key(k) => path.push(k.clone()),
                Part::Index(_) => break,
            }
            if path.len() == 2 && path[0] == "changes" {
                break;
            }
        }
        let mut from = &full;
        let mut to = &mut out;
        for (depth, k) in path.iter().enumerate() {
            let Some(v) = from.get(k) else { break };
            if depth + 1 == path.len() {
                to.insert(k.clone(), v.clone());
                break;
            }
            let Value::Table(t) = v else { break };
            from = t;
            to = match to
                .entry(k.clone())
                .or_insert_with(|| Value::Table(Table::new()))
            {
                Value::Table(t) => t,
                _ => unreachable!("only tables are inserted on the way"),
            };
        }
    }
    out
}

/// A change with its months parsed.
#[derive(Clone, Debug)]
struct Series<'a> {
    change: &'a Change,
    parts: Vec<Part>,
    kind: KeyKind,
    points: Vec<(Month, f64)>,
}

impl Series<'_> {
    /// The value in `month`, or `None` before the first point.
    fn value_at(&self, month: Month) -> Option<f64> {
        let after = self.points.partition_point(|&(m, _)| m <= month);
        if after == 0 {
            return None;
        }
        let (m0, v0) = self.points[after - 1];
        let v = match (self.change.interpolation, self.points.get(after)) {
            (Interpolation::Linear, Some(&(m1, v1))) => {
                v0 + (v1 - v0) * (month.0 - m0.0) as f64 / (m1.0 - m0.0) as f64
            }
            _ => v0,
        };
        Some(match self.kind {
            KeyKind::Integer => v.round(),
            KeyKind::Float => v,
        })
    }

    fn applies_to(&self, municipality: &str) -> bool {
        self.change.municipalities.is_empty()
            || self.change.municipalities.iter().any(|m| m == municipality)
    }
}

/// The dated changes of a scenario, ready to evaluate. Build it only from a validated scenario.
#[derive(Clone, Debug)]
pub struct Timeline<'a> {
    base: &'a Scenario,
    /// `base` as a [`without_changes`] table, made once (empty without changes).
    table: Table,
    series: Vec<Series<'a>>,
}

impl<'a> Timeline<'a> {
    pub fn new(base: &'a Scenario) -> Timeline<'a> {
        let table = if base.changes.is_empty() {
            Table::new()
        } else {
            without_changes(base)
        };
        let series = base
            .changes
            .values()
            .map(|change| {
                let parts = parse_key(&change.key).expect("validated key");
                let kind = kind_in(&table, &parts).expect("validated key");
                let points = change
                    .points
                    .iter()
                    .map(|p| (Month::parse(&p.month).expect("validated month"), p.value))
                    .collect();
                Series {
                    change,
                    parts,
                    kind,
                    points,
                }
            })
            .collect();
        Timeline {
            base,
            table,
            series,
        }
    }

    /// Whether the scenario has no dated changes.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// The months from which some value may differ from the month before, after `first`
    /// (which is always a breakpoint): each point of a step series, every month of a linear
    /// one between its first and last point.
    pub fn breakpoints(&self, first: Month, last: Month) -> Vec<Month> {
        let mut months = BTreeSet::from([first]);
        for s in &self.series {
            let within = |m: Month| m > first && m <= last;
            match s.change.interpolation {
                Interpolation::Step => {
                    months.extend(s.points.iter().map(|p| p.0).filter(|&m| within(m)))
                }
                Interpolation::Linear => {
                    if let (Some(a), Some(b)) = (s.points.first(), s.points.last()) {
                        months.extend((a.0.0..=b.0.0).map(Month).filter(|&m| within(m)));
                    }
                }
            }
        }
        months.into_iter().collect()
    }

    /// Indices of the changes that apply to a municipality: municipalities with the same set
    /// see the same scenario in every month.
    pub fn signature(&self, municipality: &str) -> Vec<usize> {
        (0..self.series.len())
            .filter(|&i| self.series[i].applies_to(municipality))
            .collect()
    }

    /// The scenario in force in `month` under the changes in `signature` (see
    /// [`Timeline::signature`]).
    pub fn scenario_at(&self, month: Month, signature: &[usize]) -> Scenario {
        if signature.is_empty() {
            return self.base.clone();
        }
        let mut table = self.table.clone();
        let mut changed = false;
        for &i in signature {
            let s = &self.series[i];
            if let Some(v) = s.value_at(month) {
                let slot = lookup_mut(&mut table, &s.parts).expect("validated key");
                *slot = match s.kind {
                    KeyKind::Integer => Value::Integer(v as i64),
                    KeyKind::Float => Value::Float(v),
                };
                changed = true;
            }
        }
        if !changed {
            return self.base.clone();
        }
        Value::Table(table)
            .try_into()
            .expect("a changed value of a validated key deserializes")
    }

    /// The value of a key in `month` under the changes in `signature`: the series' value if one
    /// changes that key and has started, else `None`.
    pub fn value_at(&self, key: &str, month: Month, signature: &[usize]) -> Option<f64> {
        signature
            .iter()
            .rev()
            .map(|&i| &self.series[i])
            .filter(|s| s.change.key == key)
            .find_map(|s| s.value_at(month))
    }
}

/// Problems with the dated changes of a scenario (months, order, keys, values), as
/// `(key, message)`. Values are checked by validating the scenario with each point applied.
///
/// Points before the first simulated month are allowed: they set the value in force when the
/// run starts, which is how a scenario starting in 2026 inherits what history changed up to
/// then (the baseline continues history.toml). Points after the last month never take effect.
///
/// `plain` are the problems the scenario has without its changes (what `validate` found before
/// it asks here): only what a point's value adds is reported at the point, so a problem the
/// scenario has anyway is reported once, at its own key, not again at every point of every change.
pub fn problems(s: &Scenario, plain: &[super::validate::Problem]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Two changes of one key where both apply would fight over it.
    let names: Vec<&String> = s.changes.keys().collect();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (ca, cb) = (&s.changes[*a], &s.changes[*b]);
            let overlap = ca.municipalities.is_empty()
                || cb.municipalities.is_empty()
                || ca
                    .municipalities
                    .iter()
                    .any(|m| cb.municipalities.contains(m));
            if ca.key == cb.key && overlap {
                out.push((
                    format!("changes.{b}.key"),
                    format!(
                        "`{}` is also changed by `changes.{a}` in the same municipalities; allowed: one dated change per key and municipality (merge their points)",
                        cb.key
                    ),
                ));
            }
        }
    }
    let base = without_changes(s);
    for (name, change) in &s.changes {
        let at = |k: &str| format!("changes.{name}.{k}");
        if !name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
            || name.is_empty()
        {
            out.push((
                format!("changes.{name}"),
                format!("`{name}` is not a valid name; allowed: letters, digits, `-` and `_`"),
            ));
        }
        if let Some(m) = key_problem(&base, &change.key) {
            out.push((at("key"), m));
            continue;
        }
        if change.points.is_empty() {
            out.push((at("points"), "is empty; allowed: at least one point".into()));
            continue;
        }
        let kind = kind_in(&base, &parse_key(&change.key).expect("checked")).expect("checked");
        let mut previous: Option<Month> = None;
        for (i, p) in change.points.iter().enumerate() {
            let Some(m) = Month::parse(&p.month) else {
                out.push((
                    at(&format!("points[{i}].month")),
                    format!(
                        "`{}` is not a month; allowed: `YYYY-MM` from 1990-01 to 2100-12",
                        p.month
                    ),
                ));
                continue;
            };
            if let Some(prev) = previous
                && m <= prev
            {
                out.push((
                    at(&format!("points[{i}].month")),
                    format!("{m} is not after the previous point {prev}; allowed: months in increasing order"),
                ));
            }
            previous = Some(m);
            if !p.value.is_finite() {
                out.push((
                    at(&format!("points[{i}].value")),
                    format!(
                        "{} is not a finite number; allowed: finite numbers",
                        p.value
                    ),
                ));
                continue;
            }
            if kind == KeyKind::Integer && (p.value.fract() != 0.0 || p.value < 0.0) {
                out.push((
                    at(&format!("points[{i}].value")),
                    format!(
                        "{} is not a whole number, and `{}` takes whole numbers; allowed: 0, 1, 2, ...",
                        p.value, change.key
                    ),
                ));
                continue;
            }
            // The value must be valid where it applies: check the scenario with it in place.
            let parts = parse_key(&change.key).expect("checked");
            let mut table = base.clone();
            let slot = lookup_mut(&mut table, &parts).expect("checked");
            *slot = match kind {
                KeyKind::Integer if p.value > i64::MAX as f64 => Value::Float(p.value),
                KeyKind::Integer => Value::Integer(p.value as i64),
                KeyKind::Float => Value::Float(p.value),
            };
            let changed: Scenario = match Value::Table(table).try_into() {
                Ok(x) => x,
                Err(e) => {
                    out.push((
                        at(&format!("points[{i}].value")),
                        e.to_string().trim().into(),
                    ));
                    continue;
                }
            };
            for problem in super::validate::validate(&changed).into_iter().filter(|p| {
                !plain
                    .iter()
                    .any(|q| q.key == p.key && q.message == p.message)
            }) {
                out.push((
                    at(&format!("points[{i}].value")),
                    format!("as `{}`: {}", problem.key, problem.message),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_paths() {
        assert_eq!(
            parse_key("exits.type_exit_monthly[2]"),
            Some(vec![
                Part::Key("exits".into()),
                Part::Key("type_exit_monthly".into()),
                Part::Index(2)
            ])
        );
        assert_eq!(parse_key("a..b"), None);
        assert_eq!(parse_key("a[x]"), None);
        assert_eq!(parse_key("a[1"), None);
        assert_eq!(parse_key(""), None);
    }
}
