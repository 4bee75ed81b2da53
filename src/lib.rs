//! hjemsim: an agent-based simulator of youth homelessness policy in Denmark.
//!
//! Layers, from the inside out (see `docs/ARCHITECTURE.md`):
//! [`model`] steps one month of one replicate; [`engine`] runs replicates; [`output`] writes
//! files; [`commands`] wires a subcommand's options to those calls; `main.rs` parses flags.
//! [`memory`] sets the allocator of every program built from the crate.

pub mod calendar;
pub mod check;
pub mod cli;
pub mod commands;
pub mod data;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod output;
pub mod population;
pub mod prepare;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stats;
pub mod trial;

pub use error::Error;
