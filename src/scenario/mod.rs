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

/// The JSON Schema of scenario files (draft 2020-12), as committed in
/// `scenarios/scenario.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Scenario);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serializes");
    s.push('\n');
    s
}
