//! `Setup::approximate_bytes`, which a batch sizes the setups it keeps by, against what the
//! allocator commits for setups held at once. Alone in its test binary (its own process), so no
//! other test allocates meanwhile.

use std::path::Path;

/// mimalloc's committed bytes now.
fn committed() -> usize {
    let (mut elapsed, mut user, mut system, mut rss, mut peak_rss) = (0, 0, 0, 0, 0);
    let (mut commit, mut peak_commit, mut faults) = (0, 0, 0);
    // SAFETY: `mi_process_info` writes one `usize` through each pointer, all valid here.
    unsafe {
        libmimalloc_sys::mi_process_info(
            &mut elapsed,
            &mut user,
            &mut system,
            &mut rss,
            &mut peak_rss,
            &mut commit,
            &mut peak_commit,
            &mut faults,
        )
    };
    commit
}

#[test]
fn approximate_bytes_is_what_held_setups_commit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Everything prepared is held to the end: memory freed before a measurement would be
    // reused by the setups measured and hide them.
    let mut kept = Vec::new();
    for (file, sets) in [
        // A stretch a month of history (2007-2030): parameters differ nearly every month.
        ("scenarios/baseline.toml", vec![]),
        // The main job's span: few distinct parameter sets, levers a month.
        (
            "scenarios/tracks/community.toml",
            vec![
                "run.start=2026-01".to_string(),
                "run.end=2030-12".to_string(),
                "run.burn_in_months=60".to_string(),
            ],
        ),
    ] {
        let path = root.join(file);
        // One prepared first, so that what loading allocates once (the thread pool) is not
        // counted.
        kept.push(hjemsim::commands::prepare(&path, &sets).expect("loads").1);
        let held = 12;
        let before = committed();
        let setups: Vec<_> = (0..held)
            .map(|_| hjemsim::commands::prepare(&path, &sets).expect("loads").1)
            .collect();
        let grown = (committed() - before) as f64 / held as f64;
        let estimate = setups[0].approximate_bytes() as f64;
        println!("{file}: committed {grown:.0} bytes a setup, estimate {estimate:.0}");
        // What a setup commits is its live bytes, which the estimate counts, plus the
        // allocator's rounding and the pages it shares with what preparing it allocated and
        // freed (a scenario a stretch): measured 1.14 times the estimate for the history, 1.32
        // for the main job's span. Leaving out the parameter tables (5.3 of the history's
        // 8.9 MB) or the levers (most of the other) would put the ratio above 2.
        assert!(
            (0.9..=1.5).contains(&(grown / estimate)),
            "{file}: {grown:.0} bytes committed a setup against an estimate of {estimate:.0}"
        );
        kept.extend(setups);
    }
}
