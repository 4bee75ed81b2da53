//! Input data: the municipality table. A user can replace the CSV with a newer Statistics
//! Denmark extract without touching code, as long as the columns stay.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One municipality (kommune).
#[derive(Clone, Debug, PartialEq)]
pub struct Municipality {
    pub name: String,
    pub region: String,
    /// All residents.
    pub population: u32,
    /// Residents aged 18-29.
    pub population_18_29: u32,
    /// Student and youth homes (kollegier and ungdomsboliger).
    pub student_homes: u32,
    /// Indices of municipalities sharing a border or a fixed link (column `neighbours`).
    pub neighbours: Vec<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    municipality: String,
    region: String,
    population: u32,
    population_18_29: u32,
    student_homes: u32,
    /// `;`-separated names; the column may be left out.
    #[serde(default)]
    neighbours: String,
    #[allow(dead_code)]
    source: String,
}

/// Why the municipality table could not be read. Invalid input (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(
        "{path}: cannot read the municipality table named by key `data.municipalities`: {source}"
    )]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Row {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

/// Reads and checks the municipality table.
pub fn load_municipalities(path: &Path) -> Result<Vec<Municipality>, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
    let mut out: Vec<Municipality> = Vec::new();
    let mut neighbour_names: Vec<Vec<String>> = Vec::new();
    for row in reader.deserialize::<Row>() {
        let row = row.map_err(|e| DataError::Row {
            path: path.to_path_buf(),
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = out.len() as u64 + 2;
        let fail = |message: String| DataError::Row {
            path: path.to_path_buf(),
            line,
            message,
        };
        if row.municipality.trim().is_empty() {
            return Err(fail("column `municipality` is empty".into()));
        }
        if out.iter().any(|m| m.name == row.municipality) {
            return Err(fail(format!(
                "municipality `{}` appears twice; allowed: one row per municipality",
                row.municipality
            )));
        }
        if row.population_18_29 > row.population {
            return Err(fail(format!(
                "population_18_29 {} exceeds population {}",
                row.population_18_29, row.population
            )));
        }
        neighbour_names.push(
            row.neighbours
                .split(';')
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect(),
        );
        out.push(Municipality {
            name: row.municipality,
            region: row.region,
            population: row.population,
            population_18_29: row.population_18_29,
            student_homes: row.student_homes,
            neighbours: Vec::new(),
        });
    }
    // Neighbours name rows of the table, and the relation is symmetric.
    for (i, names) in neighbour_names.iter().enumerate() {
        let fail = |message: String| DataError::Row {
            path: path.to_path_buf(),
            line: i as u64 + 2,
            message,
        };
        for name in names {
            let Some(j) = out.iter().position(|m| &m.name == name) else {
                return Err(fail(format!(
                    "column `neighbours`: unknown municipality `{name}`; allowed: names in the table, `;`-separated"
                )));
            };
            if j == i || !neighbour_names[j].contains(&out[i].name) {
                return Err(fail(format!(
                    "column `neighbours`: `{name}` does not list `{}` back; allowed: a symmetric relation without the municipality itself",
                    out[i].name
                )));
            }
            out[i].neighbours.push(j as u32);
        }
    }
    if out.is_empty() {
        return Err(DataError::Row {
            path: path.to_path_buf(),
            line: 1,
            message: "the table has no municipalities".into(),
        });
    }
    if out.len() > 255 {
        return Err(DataError::Row {
            path: path.to_path_buf(),
            line: 1,
            message: format!("{} municipalities; allowed: at most 255", out.len()),
        });
    }
    Ok(out)
}

/// Splits `total` over `weights` by the largest-remainder method: the parts sum to `total`
/// exactly, and ties go to the earlier row, so the result is deterministic.
pub fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum();
    if sum == 0 || total == 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<u64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u64, usize)> = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        // In 64 bits where the product fits (every call of a national scenario): a 128-bit
        // division is a library call, and loading apportions over the municipalities some
        // thousands of times (a stretch of dated changes each).
        let (part, remainder) = match total.checked_mul(w) {
            Some(exact) => (exact / sum, exact % sum),
            None => {
                let exact = total as u128 * w as u128;
                ((exact / sum as u128) as u64, (exact % sum as u128) as u64)
            }
        };
        parts.push(part);
        remainders.push((remainder, i));
    }
    let given: u64 = parts.iter().sum();
    // Every key differs (the row breaks ties), so an unstable sort gives the same order.
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take((total - given) as usize) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_preserves_total_and_proportion() {
        let parts = apportion(10, &[1, 1, 1]);
        assert_eq!(parts.iter().sum::<u64>(), 10);
        assert_eq!(parts, vec![4, 3, 3]);
        let parts = apportion(700, &[165_282, 94_983, 122, 0]);
        assert_eq!(parts.iter().sum::<u64>(), 700);
        assert_eq!(parts[3], 0);
        assert!(parts[0] > parts[1] && parts[1] > parts[2]);
        assert_eq!(apportion(5, &[0, 0]), vec![0, 0]);
    }

    #[test]
    fn apportion_in_64_bits_agrees_with_128() {
        // The largest-remainder split in 128 bits throughout, as it was before the 64-bit path.
        let reference = |total: u64, weights: &[u64]| {
            let sum: u64 = weights.iter().sum();
            let mut parts = vec![0u64; weights.len()];
            let mut remainders: Vec<(u128, usize)> = Vec::new();
            for (i, &w) in weights.iter().enumerate() {
                let exact = total as u128 * w as u128;
                parts[i] = (exact / sum as u128) as u64;
                remainders.push((exact % sum as u128, i));
            }
            let given: u64 = parts.iter().sum();
            remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for &(_, i) in remainders.iter().take((total - given) as usize) {
                parts[i] += 1;
            }
            parts
        };
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |bits: u32| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 11) >> (53 - bits)
        };
        for case in 0..2_000 {
            // Small weights (ties among remainders) and huge ones (products beyond 64 bits).
            let bits = [4, 20, 40][case % 3];
            let weights: Vec<u64> = (0..1 + next(7)).map(|_| next(bits)).collect();
            if weights.iter().sum::<u64>() == 0 {
                continue;
            }
            let total = next([8, 30, 40][case % 3]);
            assert_eq!(
                apportion(total, &weights),
                reference(total, &weights),
                "{total} over {weights:?}"
            );
        }
    }
}
