//! A bounded mutation fuzzer of our own for scenario and batch parsing plus validation: the
//! committed files, mutated (bytes flipped, inserted and deleted, lines dropped, doubled and
//! swapped, numbers replaced by extremes, files cut short), must load or be refused with an input
//! error (exit code 2), never panic. It runs for `HJEMSIM_FUZZ_SECONDS` (20 by default) from a
//! fixed seed and prints how many inputs it tried. Coverage-guided fuzzing (cargo fuzz) is not
//! set up; this finds what mutations of real files find.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

const EXTREMES: [&str; 12] = [
    "-1",
    "0",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    "\"x\"",
    "[]",
    "{}",
    "0.5e-320",
];

fn mutate(text: &[u8], rng: &mut rand_pcg::Pcg64) -> Vec<u8> {
    let mut b = text.to_vec();
    let lines =
        |b: &[u8]| -> Vec<Vec<u8>> { b.split(|&c| c == b'\n').map(|l| l.to_vec()).collect() };
    for _ in 0..rng.random_range(1..4) {
        match rng.random_range(0..8) {
            0 if !b.is_empty() => {
                let i = rng.random_range(0..b.len());
                b[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let i = rng.random_range(0..=b.len());
                const BYTES: &[u8] = b"=[]{}\"#.,\n\\0a-";
                let c = BYTES[rng.random_range(0..BYTES.len())];
                b.insert(i, c);
            }
            2 if !b.is_empty() => {
                let i = rng.random_range(0..b.len());
                b.remove(i);
            }
            3 => {
                let mut l = lines(&b);
                if !l.is_empty() {
                    let i = rng.random_range(0..l.len());
                    l.remove(i);
                }
                b = l.join(&b'\n');
            }
            4 => {
                let mut l = lines(&b);
                if !l.is_empty() {
                    let i = rng.random_range(0..l.len());
                    let line = l[i].clone();
                    l.insert(i, line);
                }
                b = l.join(&b'\n');
            }
            5 => {
                let mut l = lines(&b);
                if l.len() > 1 {
                    let (i, j) = (rng.random_range(0..l.len()), rng.random_range(0..l.len()));
                    l.swap(i, j);
                }
                b = l.join(&b'\n');
            }
            6 => {
                // A value replaced by an extreme.
                let mut l = lines(&b);
                let with_values: Vec<usize> = (0..l.len())
                    .filter(|&i| l[i].contains(&b'=') && !l[i].starts_with(b"#"))
                    .collect();
                if !with_values.is_empty() {
                    let i = with_values[rng.random_range(0..with_values.len())];
                    let eq = l[i].iter().position(|&c| c == b'=').unwrap();
                    let mut line = l[i][..=eq].to_vec();
                    line.extend_from_slice(b" ");
                    line.extend_from_slice(
                        EXTREMES[rng.random_range(0..EXTREMES.len())].as_bytes(),
                    );
                    l[i] = line;
                }
                b = l.join(&b'\n');
            }
            _ => {
                let n = rng.random_range(0..=b.len());
                b.truncate(n);
            }
        }
    }
    b
}

#[test]
fn mutated_scenario_and_batch_files_never_panic() {
    let seconds: u64 = std::env::var("HJEMSIM_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = tmp.path().join("scenarios");
    copy_tree(&common::root().join("scenarios"), &scenarios);
    // Seeds: small overlays that load fast, each mutated in place of itself.
    let seeds: Vec<(PathBuf, bool)> = [
        ("benchmarks/small.toml", false),
        ("tracks/housing.toml", false),
        ("tracks/all-four.toml", false),
        ("concepts/helt-hjem.toml", false),
        ("rollout/helt-hjem-national.toml", false),
        ("rollout/housing-first-dsi-skf.toml", false),
        ("benchmarks/report.toml", true),
        ("benchmarks/sweep-small.toml", true),
    ]
    .into_iter()
    .map(|(p, batch)| (scenarios.join(p), batch))
    .collect();
    let originals: Vec<Vec<u8>> = seeds
        .iter()
        .map(|(p, _)| std::fs::read(p).unwrap())
        .collect();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    let started = Instant::now();
    let (mut tried, mut loaded, mut refused) = (0u64, 0u64, 0u64);
    let mut panics = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        let k = rng.random_range(0..seeds.len());
        let (path, is_batch) = &seeds[k];
        let mutated = mutate(&originals[k], &mut rng);
        std::fs::write(path, &mutated).unwrap();
        let result = std::panic::catch_unwind(|| {
            if *is_batch {
                hjemsim::experiment::batch::plan(path).map(|_| ())
            } else {
                hjemsim::prepare::prepare(path, &[]).map(|_| ())
            }
        });
        tried += 1;
        match result {
            Ok(Ok(())) => loaded += 1,
            Ok(Err(e)) if e.exit_code() == 2 => refused += 1,
            Ok(Err(e)) => panics.push(format!(
                "{}: not an input error (exit {}): {e}\n{}",
                path.display(),
                e.exit_code(),
                String::from_utf8_lossy(&mutated)
            )),
            Err(_) => panics.push(format!(
                "{}: panicked on\n{}",
                path.display(),
                String::from_utf8_lossy(&mutated)
            )),
        }
        std::fs::write(path, &originals[k]).unwrap();
        if panics.len() >= 3 {
            break;
        }
    }
    eprintln!(
        "fuzz: {tried} mutated files in {:.0} s: {loaded} loaded, {refused} refused with exit 2",
        started.elapsed().as_secs_f64()
    );
    assert!(panics.is_empty(), "{}", panics.join("\n\n"));
    assert!(
        tried > 50 && refused > 0,
        "{tried} tried, {refused} refused"
    );
}
