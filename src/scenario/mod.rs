//! Scenario files: serde schema ([`types`]), `extends` overlays and `--set` overrides with
//! file:line:col diagnostics ([`load`]), range checks ([`validate`]) and the notes beside values
//! ([`notes`]).

pub mod load;
pub mod notes;
pub mod timeline;
pub mod types;
pub mod validate;

pub use load::{Diagnostic, Resolved, ScenarioError, load};
pub use types::*;

/// The JSON Schema of scenario files (draft 2020-12), built once: the ranges declared beside
/// the fields of [`types`], which [`validate`] checks and editors show.
pub fn schema() -> &'static serde_json::Value {
    built().as_value()
}

fn built() -> &'static schemars::Schema {
    static SCHEMA: std::sync::OnceLock<schemars::Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| schemars::schema_for!(Scenario))
}

/// The JSON Schema as committed in `scenarios/scenario.schema.json`.
pub fn json_schema() -> String {
    // The `Schema` itself, not its value: it writes `$schema` and `title` first.
    let mut s = serde_json::to_string_pretty(built()).expect("schema serializes");
    s.push('\n');
    s
}
