//! The errors a command can end with, and their exit codes (0 ok, 1 run or I/O failure,
//! 2 invalid input or usage).

use crate::data::DataError;
use crate::output::OutputError;
use crate::scenario::ScenarioError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Data(#[from] DataError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Output(#[from] OutputError),
    #[error("failed to start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Data(_) | Error::Usage(_) => 2,
            Error::Output(_) | Error::Threads { .. } => 1,
        }
    }
}
