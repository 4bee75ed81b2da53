//! The `hjemsim` binary: parse flags, call the library, map errors to exit codes
//! (0 ok, 1 run or I/O failure, 2 invalid input or usage).

use clap::Parser;

use hjemsim::cli::{Cli, Command};
use hjemsim::commands::{self, Outcome};

fn main() {
    hjemsim::memory::keep_freed_memory();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run {
            scenario,
            replicates,
            seed,
            threads,
            out,
            sets,
            progress,
        } => finish(commands::run(&Command::run_options(
            scenario, replicates, seed, threads, out, sets, progress,
        ))),
        Command::Batch {
            batch,
            out,
            threads,
            resume,
            shard,
            precision,
            metric,
            max_replicates,
            posterior,
            replicates,
            progress,
        } => {
            let shard = parse_shard(shard);
            stop_cleanly_on_ctrl_c();
            finish(hjemsim::experiment::run_batch(
                &hjemsim::experiment::BatchOptions {
                    batch,
                    out,
                    threads,
                    resume,
                    progress: progress.into(),
                    shard,
                    precision: precision.map(|half_width| hjemsim::experiment::Precision {
                        half_width,
                        metric,
                        max_replicates,
                    }),
                    posterior,
                    replicates,
                },
            ))
        }
        Command::Calibrate {
            targets,
            out,
            threads,
            resume,
            install,
            shard,
            progress,
        } => {
            let shard = parse_shard(shard);
            stop_cleanly_on_ctrl_c();
            finish(hjemsim::experiment::calibrate::calibrate(
                &hjemsim::experiment::calibrate::CalibrateOptions {
                    targets,
                    out,
                    threads,
                    resume,
                    progress: progress.into(),
                    install,
                    shard,
                },
            ))
        }
        Command::Sensitivity {
            spec,
            out,
            threads,
            resume,
            shard,
            progress,
        } => {
            let shard = parse_shard(shard);
            stop_cleanly_on_ctrl_c();
            finish(hjemsim::experiment::sensitivity::sensitivity(
                &hjemsim::experiment::sensitivity::SensitivityOptions {
                    spec,
                    out,
                    threads,
                    resume,
                    progress: progress.into(),
                    shard,
                },
            ))
        }
        Command::ValidateHistory {
            targets,
            scale,
            replicates,
            threads,
        } => finish(hjemsim::experiment::calibrate::validate_history(
            &targets, scale, replicates, threads,
        )),
        Command::Estimate {
            batch,
            threads,
            pilot_months,
        } => finish(hjemsim::experiment::estimate::estimate(
            &batch,
            threads,
            pilot_months,
        )),
        Command::Merge { dirs, out } => finish(commands::merge(&dirs, &out)),
        Command::Check {
            dir,
            out,
            update,
            k,
        } => finish(hjemsim::check::check(&hjemsim::check::CheckOptions {
            dir,
            out,
            update,
            k,
        })),
        Command::Report { dir } => finish(commands::report(&dir)),
        Command::Validate { files } => {
            let (lines, ok) = commands::validate(&files);
            finish(Ok::<_, hjemsim::error::Error>(commands::Validation {
                lines,
                ok,
            }))
        }
        Command::Schema => {
            print!("{}", hjemsim::scenario::json_schema());
            0
        }
    };
    std::process::exit(code);
}

/// Prints what a command reports (stdout when it ends with 0, stderr otherwise) or its one
/// error, and returns the exit code.
fn finish<T: Outcome>(result: Result<T, hjemsim::error::Error>) -> i32 {
    match result {
        Ok(outcome) => {
            let code = outcome.exit_code();
            if code == 0 {
                println!("{outcome}");
            } else {
                eprintln!("{outcome}");
            }
            code
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// `--shard I/N|auto`, or exit 2 with the reason.
fn parse_shard(shard: Option<String>) -> Option<hjemsim::experiment::shard::Shard> {
    match shard
        .map(|s| hjemsim::experiment::shard::Shard::parse(&s, |k| std::env::var(k).ok()))
        .transpose()
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --shard: {e}");
            std::process::exit(2);
        }
    }
}

/// Ctrl-C finishes the runs under way and stops cleanly (they are kept for `--resume`); a second
/// Ctrl-C stops at once.
fn stop_cleanly_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        use std::sync::atomic::Ordering;
        if hjemsim::experiment::INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nstopping after the runs under way (Ctrl-C again to stop now)");
    });
}
