//! Sharding a batch over a cluster, and merging the shards.
//!
//! A shard owns the runs whose id, read as a number, is its index modulo the shard count: a
//! deterministic split that does not depend on the order or number of scenarios. Each shard
//! writes its run folders and `shards/shard-<i>-of-<n>.json`; `hjemsim merge` checks that all
//! shards come from the same batch and binary and that every run is there exactly once, gathers
//! the runs and writes the tables, which are then byte-identical to a single machine's.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::batch::{Plan, plan};
use crate::error::Error;
use crate::output::OutputError;
use crate::output::manifest::git_revision;

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether this shard runs the run with this id.
    pub fn owns(&self, id: &str) -> bool {
        u64::from_str_radix(&id[..16.min(id.len())], 16).unwrap_or(0) % self.count as u64
            == self.index as u64
    }

    /// Parses `i/n`, or `auto`: Slurm's `SLURM_ARRAY_TASK_ID` (less `SLURM_ARRAY_TASK_MIN`) and
    /// `SLURM_ARRAY_TASK_COUNT`, else Kubernetes' `JOB_COMPLETION_INDEX` with
    /// `HJEMSIM_SHARD_COUNT` (an Indexed Job has no count variable of its own).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let num = |name: &str, v: String| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{name}=`{v}` is not a whole number"))
        };
        let (index, count) = if text == "auto" {
            if let (Some(id), Some(count)) =
                (env("SLURM_ARRAY_TASK_ID"), env("SLURM_ARRAY_TASK_COUNT"))
            {
                let min = match env("SLURM_ARRAY_TASK_MIN") {
                    Some(m) => num("SLURM_ARRAY_TASK_MIN", m)?,
                    None => 0,
                };
                let id = num("SLURM_ARRAY_TASK_ID", id)?;
                (
                    id.checked_sub(min)
                        .ok_or("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN")?,
                    num("SLURM_ARRAY_TASK_COUNT", count)?,
                )
            } else if let Some(i) = env("JOB_COMPLETION_INDEX") {
                let count = env("HJEMSIM_SHARD_COUNT").ok_or(
                    "JOB_COMPLETION_INDEX is set but HJEMSIM_SHARD_COUNT is not (set it to the Job's completions)",
                )?;
                (
                    num("JOB_COMPLETION_INDEX", i)?,
                    num("HJEMSIM_SHARD_COUNT", count)?,
                )
            } else {
                return Err("--shard auto needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm array job) or JOB_COMPLETION_INDEX and HJEMSIM_SHARD_COUNT (a Kubernetes Indexed Job)".into());
            }
        } else {
            let (i, n) = text.split_once('/').ok_or_else(|| {
                format!("`{text}` is not a shard; allowed: `i/n` (e.g. `0/4`) or `auto`")
            })?;
            (num("shard index", i.into())?, num("shard count", n.into())?)
        };
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}; allowed: a count of at least 1 and an index from 0 to count - 1"
            ));
        }
        Ok(Shard { index, count })
    }
}

/// `shards/shard-<i>-of-<n>.json`.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct ShardManifest {
    batch: String,
    batch_file: String,
    /// Digest of the expanded batch: every scenario's digest and every run id.
    batch_digest: String,
    hjemsim_version: String,
    git_revision: String,
    index: u32,
    count: u32,
    runs: Vec<String>,
}

fn plan_digest(plan: &Plan) -> String {
    let mut h = blake3::Hasher::new();
    for d in &plan.digests {
        h.update(d.as_bytes());
    }
    for r in &plan.runs {
        h.update(r.id.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

pub(crate) fn write_shard_manifest(
    plan: &Plan,
    dir: &Path,
    shard: Shard,
) -> Result<(), OutputError> {
    let m = ShardManifest {
        batch: plan.file.name.clone(),
        batch_file: plan.path.display().to_string(),
        batch_digest: plan_digest(plan),
        hjemsim_version: env!("CARGO_PKG_VERSION").to_string(),
        git_revision: git_revision().to_string(),
        index: shard.index,
        count: shard.count,
        runs: plan
            .runs
            .iter()
            .filter(|r| shard.owns(&r.id))
            .map(|r| r.id.clone())
            .collect(),
    };
    let shards = dir.join("shards");
    fs::create_dir_all(&shards)
        .map_err(|e| OutputError::new(format!("creating {}", shards.display()), e))?;
    let name = format!("shard-{}-of-{}.json", shard.index, shard.count);
    let mut json = serde_json::to_string_pretty(&m).expect("serializes");
    json.push('\n');
    crate::output::write_atomic(&shards.join(&name), json.as_bytes())
}

fn merge_error(message: String) -> Error {
    Error::Usage(format!("merge: {message}"))
}

/// The batch folder of a shard: the folder given, or the one batch folder inside it (what
/// `batch --shard --out DIR` was given).
fn shard_folder(given: &Path) -> Result<PathBuf, Error> {
    if given.join("shards").is_dir() {
        return Ok(given.to_path_buf());
    }
    let inside: Vec<PathBuf> = fs::read_dir(given)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("shards").is_dir())
                .collect()
        })
        .unwrap_or_default();
    match inside.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(merge_error(format!(
            "{}: no shard manifests; allowed: the folder `batch --shard` wrote (its --out, or the batch folder inside it)",
            given.display()
        ))),
        many => {
            let mut names: Vec<String> = many
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            names.sort();
            Err(merge_error(format!(
                "{} holds the shards of several batches ({}); name the batch folder",
                given.display(),
                names.join(", ")
            )))
        }
    }
}

/// `hjemsim merge DIR... --out OUT`: joins the shards of one batch into `OUT/<batch name>/`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<PathBuf, Error> {
    let mut manifests: Vec<(PathBuf, ShardManifest)> = Vec::new();
    for given in dirs {
        let dir = &shard_folder(given)?;
        let shards = dir.join("shards");
        let entries = fs::read_dir(&shards).map_err(|e| {
            merge_error(format!(
                "{}: no shard manifests ({e}); run `hjemsim batch --shard` first",
                shards.display()
            ))
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            let m: ShardManifest = fs::read(&f)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| merge_error(format!("{}: not a shard manifest", f.display())))?;
            manifests.push((dir.clone(), m));
        }
    }
    let Some((_, first)) = manifests.first() else {
        return Err(merge_error("no shards found in the given folders".into()));
    };
    for (dir, m) in &manifests {
        if m.batch_digest != first.batch_digest || m.count != first.count {
            return Err(merge_error(format!(
                "{}: shard {}/{} is from another batch or split than shard {}/{}",
                dir.display(),
                m.index,
                m.count,
                first.index,
                first.count
            )));
        }
        if m.hjemsim_version != first.hjemsim_version || m.git_revision != first.git_revision {
            return Err(merge_error(format!(
                "{}: shard {} was made by hjemsim {} ({}), shard {} by {} ({})",
                dir.display(),
                m.index,
                m.hjemsim_version,
                m.git_revision,
                first.index,
                first.hjemsim_version,
                first.git_revision
            )));
        }
    }
    let mut seen = vec![0u32; first.count as usize];
    for (_, m) in &manifests {
        seen[m.index as usize] += 1;
    }
    if let Some(i) = seen.iter().position(|&n| n != 1) {
        return Err(merge_error(format!(
            "shard {i} of {} appears {} times; every shard must appear exactly once",
            first.count, seen[i]
        )));
    }
    let plan = plan(Path::new(&first.batch_file))?;
    if plan_digest(&plan) != first.batch_digest {
        return Err(merge_error(format!(
            "{} has changed since the shards ran",
            first.batch_file
        )));
    }
    if first.hjemsim_version != env!("CARGO_PKG_VERSION") || first.git_revision != git_revision() {
        return Err(merge_error(format!(
            "the shards were made by hjemsim {} ({}), this is {} ({})",
            first.hjemsim_version,
            first.git_revision,
            env!("CARGO_PKG_VERSION"),
            git_revision()
        )));
    }
    let dest = out.join(&plan.file.name);
    let dest_runs = dest.join("runs");
    fs::create_dir_all(&dest_runs)
        .map_err(|e| OutputError::new(format!("creating {}", dest_runs.display()), e))?;
    for run in &plan.runs {
        let owners: Vec<&PathBuf> = manifests
            .iter()
            .filter(|(_, m)| m.runs.contains(&run.id))
            .map(|(d, _)| d)
            .collect();
        let label = &plan.variants[run.variant].label;
        let [owner] = owners.as_slice() else {
            return Err(merge_error(format!(
                "run {} ({label}, replicate {}) is in {} shards; expected exactly one",
                run.id,
                run.replicate,
                owners.len()
            )));
        };
        let src_runs = owner.join(&plan.file.name).join("runs");
        let src_runs = if src_runs.exists() {
            src_runs
        } else {
            owner.join("runs")
        };
        if !super::is_complete(&src_runs, &plan, run) {
            return Err(merge_error(format!(
                "run {} ({label}, replicate {}) is missing or incomplete in {}",
                run.id,
                run.replicate,
                src_runs.display()
            )));
        }
        let target = dest_runs.join(&run.id);
        if src_runs.join(&run.id) != target {
            copy_dir(&src_runs.join(&run.id), &target)?;
        }
    }
    let runtime = super::compare::BatchRuntime {
        reused: plan.runs.len(),
        ..Default::default()
    };
    super::finish(&plan, &dest, runtime)?;
    Ok(dest)
}

/// Copies a run folder whole or not at all (through [`crate::output::Staging`]).
fn copy_dir(from: &Path, to: &Path) -> Result<(), OutputError> {
    let staging = crate::output::Staging::new(to)?;
    for entry in fs::read_dir(from)
        .map_err(|e| OutputError::new(format!("reading {}", from.display()), e))?
    {
        let entry =
            entry.map_err(|e| OutputError::new(format!("reading {}", from.display()), e))?;
        let dest = staging.dir.join(entry.file_name());
        fs::copy(entry.path(), &dest).map_err(|e| {
            OutputError::new(
                format!("copying {} to {}", entry.path().display(), dest.display()),
                e,
            )
        })?;
    }
    staging.commit().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_parse_from_flags_and_cluster_variables() {
        assert_eq!(
            Shard::parse("2/5", env(&[])),
            Ok(Shard { index: 2, count: 5 })
        );
        assert!(Shard::parse("5/5", env(&[])).is_err());
        assert!(Shard::parse("x", env(&[])).is_err());
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "11"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert_eq!(
            Shard::parse("auto", env(&slurm)),
            Ok(Shard { index: 1, count: 3 })
        );
        let k8s = [("JOB_COMPLETION_INDEX", "0"), ("HJEMSIM_SHARD_COUNT", "4")];
        assert_eq!(
            Shard::parse("auto", env(&k8s)),
            Ok(Shard { index: 0, count: 4 })
        );
        assert!(Shard::parse("auto", env(&[("JOB_COMPLETION_INDEX", "0")])).is_err());
        assert!(Shard::parse("auto", env(&[])).is_err());
    }

    #[test]
    fn every_run_belongs_to_exactly_one_shard() {
        let ids: Vec<String> = (0..500u64)
            .map(|i| format!("{:016x}", crate::rng::mix64(i)))
            .collect();
        for count in [1, 2, 3, 7] {
            let mut per = vec![0; count as usize];
            for id in &ids {
                let owners: Vec<u32> = (0..count)
                    .filter(|&i| Shard { index: i, count }.owns(id))
                    .collect();
                assert_eq!(owners.len(), 1);
                per[owners[0] as usize] += 1;
            }
            // And the split is even-ish.
            assert!(per.iter().all(|&n| n > 500 / count as usize / 2), "{per:?}");
        }
    }
}
