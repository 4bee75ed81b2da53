//! The `hjemsim` binary: parse flags, call the library, map errors to exit codes
//! (0 ok, 1 run or I/O failure, 2 invalid input or usage).

use clap::Parser;

use hjemsim::cli::{Cli, Command};
use hjemsim::commands;

fn main() {
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
        } => {
            let opts =
                Command::run_options(scenario, replicates, seed, threads, out, sets, progress);
            match commands::run(&opts) {
                Ok(report) => {
                    println!(
                        "wrote {} ({} replicates, {:.0} million agent-months in {:.1} s)",
                        report.dir.display(),
                        report.replicates,
                        report.agent_months as f64 / 1e6,
                        report.wall_seconds
                    );
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            }
        }
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
            let opts = hjemsim::experiment::BatchOptions {
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
            };
            match hjemsim::experiment::run_batch(&opts) {
                Ok(r) => {
                    println!(
                        "wrote {} ({} runs: {} run now, {} kept from before, in {:.1} s); open report.html",
                        r.dir.display(),
                        r.runs,
                        r.executed,
                        r.reused,
                        r.wall_seconds
                    );
                    if let Some(h) = r.half_width {
                        println!(
                            "precision: {} replicates per scenario, widest paired 95 % half-width {h:.3}",
                            r.replicates
                        );
                    }
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            }
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
            stop_cleanly_on_ctrl_c();
            let opts = hjemsim::experiment::calibrate::CalibrateOptions {
                targets,
                out,
                threads,
                resume,
                progress: progress.into(),
                install,
                shard: parse_shard(shard),
            };
            match hjemsim::experiment::calibrate::calibrate(&opts) {
                Ok(r) => {
                    println!(
                        "wrote {} ({} generations, {} runs: {} run now, tolerance {:.4}, in {:.1} s); see fit.csv and posterior.csv",
                        r.dir.display(),
                        r.generations,
                        r.runs,
                        r.executed,
                        r.epsilon,
                        r.wall_seconds
                    );
                    if let Some(p) = r.installed {
                        println!("installed the calibrated overlay as {}", p.display());
                    }
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            }
        }
        Command::Sensitivity {
            spec,
            out,
            threads,
            resume,
            shard,
            progress,
        } => {
            stop_cleanly_on_ctrl_c();
            let opts = hjemsim::experiment::sensitivity::SensitivityOptions {
                spec,
                out,
                threads,
                resume,
                progress: progress.into(),
                shard: parse_shard(shard),
            };
            match hjemsim::experiment::sensitivity::sensitivity(&opts) {
                Ok(r) => {
                    println!(
                        "wrote {} ({} runs: {} run now, in {:.1} s); see sensitivity.csv and ranking.csv",
                        r.dir.display(),
                        r.runs,
                        r.executed,
                        r.wall_seconds
                    );
                    for (i, (p, m)) in r.ranking.iter().take(5).enumerate() {
                        println!("{}. {p} (mu*/sd {m:.3})", i + 1);
                    }
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            }
        }
        Command::ValidateHistory {
            targets,
            scale,
            replicates,
            threads,
        } => match hjemsim::experiment::calibrate::validate_history(
            &targets, scale, replicates, threads,
        ) {
            Ok(check) => {
                println!(
                    "| use | metric | observed | simulated mean | range of one count (95 %) | z |"
                );
                println!("| --- | --- | --- | --- | --- | --- |");
                for r in &check.rows {
                    let digits = if r.observed.abs() < 1.5 { 3 } else { 0 };
                    println!(
                        "| {} | {} | {:.digits$} | {:.digits$} | {:.digits$} to {:.digits$} | {:+.2} |",
                        r.usage, r.metric, r.observed, r.mean, r.low, r.high, r.z
                    );
                }
                println!(
                    "\n{} replicates at scale {} in {:.1} s",
                    check.replicates, check.scale, check.wall_seconds
                );
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        },
        Command::Estimate {
            batch,
            threads,
            pilot_months,
        } => match hjemsim::experiment::estimate::estimate(&batch, threads, pilot_months) {
            Ok(e) => {
                println!("{e}");
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        },
        Command::Merge { dirs, out } => match hjemsim::experiment::shard::merge(&dirs, &out) {
            Ok(dir) => {
                println!("merged into {}; open report.html", dir.display());
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        },
        Command::Check {
            dir,
            out,
            update,
            k,
        } => match hjemsim::check::check(&hjemsim::check::CheckOptions {
            dir,
            out,
            update,
            k,
        }) {
            Ok(r) => {
                for l in &r.lines {
                    println!("{l}");
                }
                println!(
                    "{} benchmarks, {} metrics: {}",
                    r.benchmarks,
                    r.metrics,
                    if r.failures == 0 {
                        "ok".to_string()
                    } else {
                        format!("{} regressions", r.failures)
                    }
                );
                if r.failures == 0 || update { 0 } else { 1 }
            }
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        },
        Command::Report { dir } => match hjemsim::report::write(&dir) {
            Ok(()) => {
                println!("wrote {}", dir.join("report.html").display());
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_code()
            }
        },
        Command::Validate { files } => {
            let (lines, ok) = commands::validate(&files);
            for l in lines {
                if ok {
                    println!("{l}");
                } else {
                    eprintln!("{l}");
                }
            }
            if ok { 0 } else { 2 }
        }
        Command::Schema => {
            print!("{}", hjemsim::scenario::json_schema());
            0
        }
    };
    std::process::exit(code);
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
