//! A corpus of bad input: scenario files, batch files, data tables and command lines that are
//! wrong in every way we could think of (syntax, unknown keys, wrong types, out-of-range and
//! non-finite values, inconsistent shares, impossible budgets, dated changes out of order, unknown
//! municipalities, cycles, directories, empty, binary and huge files, names that try to leave the
//! output folder, absurd sizes, bad flags). Each must give exit code 2, a message naming the file
//! (or flag) and the key, no panic, and nothing written, before anything runs. All cases are
//! tried and every failure is reported at once.

mod common;

use std::path::Path;

use common::{hjemsim, read, scenario};

struct Case {
    name: &'static str,
    /// Files written into the case's folder besides `base.toml` (Denmark's parameters) and
    /// `data/municipalities.csv`.
    files: Vec<(&'static str, Vec<u8>)>,
    /// The command line; `@x` is the path of `x` in the case's folder. `run`, `batch`,
    /// `calibrate` and `sensitivity` get `--out <folder>/out --progress never`.
    args: Vec<&'static str>,
    /// Fragments the error must contain.
    expect: Vec<&'static str>,
}

fn case(
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    args: &[&'static str],
    expect: &[&'static str],
) -> Case {
    Case {
        name,
        files,
        args: args.to_vec(),
        expect: expect.to_vec(),
    }
}

fn text(s: String) -> Vec<u8> {
    s.into_bytes()
}

/// A scenario over Denmark's parameters.
fn policy(body: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![(
        "policy.toml",
        text(format!(
            "extends = \"base.toml\"\nname = \"policy\"\n{body}\n"
        )),
    )]
}

/// A small batch over `base.toml`; `body` goes after the top-level keys.
fn batch(body: &str) -> Vec<(&'static str, Vec<u8>)> {
    vec![(
        "batch.toml",
        text(format!(
            "name = \"b\"\nbaseline = \"base.toml\"\nreplicates = 2\nseed = 1\n{body}\n[set]\n\"run.scale\" = 0.01\n\"run.start\" = \"2015-01\"\n\"run.end\" = \"2015-02\"\n\"run.burn_in_months\" = 0\n"
        )),
    )]
}

fn with(
    mut a: Vec<(&'static str, Vec<u8>)>,
    b: Vec<(&'static str, Vec<u8>)>,
) -> Vec<(&'static str, Vec<u8>)> {
    a.extend(b);
    a
}

/// The municipality table with `edit` applied to its text.
fn data(edit: impl Fn(String) -> String) -> Vec<(&'static str, Vec<u8>)> {
    let table = String::from_utf8(read(&scenario("data/municipalities.csv"))).unwrap();
    let mut files = policy("[data]\nmunicipalities = \"bad.csv\"");
    files.push(("bad.csv", text(edit(table))));
    files
}

const RUN: &str = "run";
const P: &str = "@policy.toml";
const B: &str = "@batch.toml";

fn corpus() -> Vec<Case> {
    let huge_grid = {
        let values: Vec<String> = (0..2000)
            .map(|i| format!("{:.6}", 0.1 + i as f64 * 1e-5))
            .collect();
        let v = values.join(",");
        format!(
            "[[sweeps]]\nscenario = \"base.toml\"\ndesign = \"grid\"\naxes = {{ \"allocation.offer_acceptance\" = [{v}], \"sleeping.shelter_acceptance\" = [{v}], \"entry.hr_shrinkage\" = [{v}] }}"
        )
    };
    let huge_file = {
        let mut s = String::from("extends = \"base.toml\"\nname = \"policy\"\n");
        for i in 0..400_000 {
            s.push_str(&format!(
                "# filler line {i} of a file of about twelve megabytes\n"
            ));
        }
        s.push_str("[entry]\nhr_care = -1.0\n");
        s
    };
    vec![
        // Scenario files: syntax and structure.
        case("syntax: unclosed string", policy("description = \"x"), &[RUN, P], &["policy.toml:3", "TOML"]),
        case("syntax: unclosed table header", policy("[run\nstart = 1"), &[RUN, P], &["policy.toml:3", "TOML"]),
        case("syntax: duplicate key", policy("name = \"again\""), &[RUN, P], &["policy.toml:3", "duplicate key"]),
        case("unknown top-level key", policy("frobnicate = 1"), &[RUN, P], &["policy.toml:3", "unknown field `frobnicate`"]),
        case("unknown nested key", policy("[entry]\nhr_car = 14"), &[RUN, P], &["policy.toml:4", "unknown field `hr_car`"]),
        case("unknown table", policy("[nonsense]\nx = 1"), &[RUN, P], &["policy.toml:3", "nonsense"]),
        case("wrong type: string for a number", policy("[allocation]\noffer_acceptance = \"high\""), &[RUN, P], &["policy.toml:4", "offer_acceptance"]),
        case("wrong type: table for a number", policy("[run]\nscale = { a = 1 }"), &[RUN, P], &["policy.toml:4", "scale"]),
        case("wrong type: number for a month", policy("[run]\nstart = 2015"), &[RUN, P], &["policy.toml:4", "start"]),
        case("wrong type: negative unsigned", policy("[run]\nreplicates = -1"), &[RUN, P], &["policy.toml:4", "replicates"]),
        case("integer overflow", policy("[run]\nburn_in_months = 99999999999999999999"), &[RUN, P], &["policy.toml:4"]),
        case("out of range: above", policy("[allocation]\noffer_acceptance = 1.7"), &[RUN, P], &["policy.toml:4", "allocation.offer_acceptance", "allowed"]),
        case("out of range: negative", policy("[sleeping]\nshelter_acceptance = -0.1"), &[RUN, P], &["policy.toml:4", "sleeping.shelter_acceptance", "allowed"]),
        case("non-finite: nan", policy("[allocation]\noffer_acceptance = nan"), &[RUN, P], &["allocation.offer_acceptance", "allowed"]),
        case("non-finite: inf", policy("[entry]\nhr_care = inf"), &[RUN, P], &["entry.hr_care", "allowed"]),
        case("non-finite: -inf budget", policy("[budget]\nannual_dkk = -inf"), &[RUN, P], &["budget.annual_dkk"]),
        case("scale zero", policy("[run]\nscale = 0.0"), &[RUN, P], &["run.scale", "allowed"]),
        case("scale above one", policy("[run]\nscale = 2.0"), &[RUN, P], &["run.scale", "allowed"]),
        case("month 13", policy("[run]\nstart = \"2015-13\""), &[RUN, P], &["run.start", "YYYY-MM"]),
        case("end before start", policy("[run]\nstart = \"2020-01\"\nend = \"2019-01\""), &[RUN, P], &["run.end"]),
        case("zero replicates", policy("[run]\nreplicates = 0"), &[RUN, P], &["run.replicates", "allowed"]),
        case("name with markup", vec![("policy.toml", text("extends = \"base.toml\"\nname = \"<script>alert(1)</script>\"\n".into()))], &[RUN, P], &["name", "not a valid name"]),
        case("name leaving the output folder", vec![("policy.toml", text("extends = \"base.toml\"\nname = \"../../etc\"\n".into()))], &[RUN, P], &["name", "not a valid name"]),
        case("empty name", vec![("policy.toml", text("extends = \"base.toml\"\nname = \"\"\n".into()))], &[RUN, P], &["name"]),
        case("empty file", vec![("policy.toml", Vec::new())], &[RUN, P], &["policy.toml", "name"]),
        case("binary file", vec![("policy.toml", vec![0x00, 0xff, 0xfe, 0x13, 0x37, 0x00, 0x80])], &[RUN, P], &["policy.toml"]),
        case("huge file with one bad value at the end", vec![("policy.toml", text(huge_file))], &[RUN, P], &["policy.toml:400004", "entry.hr_care"]),
        case("a directory for a scenario", vec![("dir/x", Vec::new())], &[RUN, "@dir"], &["dir"]),
        case("a missing scenario", vec![], &[RUN, "@nowhere.toml"], &["nowhere.toml"]),
        case("extends a missing file", vec![("policy.toml", text("extends = \"nowhere.toml\"\nname = \"x\"\n".into()))], &[RUN, P], &["policy.toml:1", "nowhere.toml"]),
        case("extends cycle", vec![("a.toml", text("extends = \"b.toml\"\nname = \"a\"\n".into())), ("b.toml", text("extends = \"a.toml\"\nname = \"b\"\n".into()))], &[RUN, "@a.toml"], &["cycle"]),
        // Budgets and shares.
        case("budget shares above one", policy("[budget]\nannual_dkk = 1000000\n[[budget.items]]\nlever = \"units\"\ntarget = \"dedicated_youth\"\nshare = 0.7\n[[budget.items]]\nlever = \"places\"\ntarget = \"community\"\nshare = 0.7"), &[RUN, P], &["budget", "share"]),
        case("budget share negative", policy("[budget]\nannual_dkk = 1000000\n[[budget.items]]\nlever = \"units\"\ntarget = \"dedicated_youth\"\nshare = -0.5"), &[RUN, P], &["budget.items[0].share"]),
        case("budget negative", policy("[budget]\nannual_dkk = -5"), &[RUN, P], &["budget.annual_dkk"]),
        case("budget unknown lever", policy("[budget]\nannual_dkk = 1000000\n[[budget.items]]\nlever = \"magic\"\ntarget = \"cti\"\nshare = 1.0"), &[RUN, P], &["lever", "magic"]),
        case("budget unknown target", policy("[budget]\nannual_dkk = 1000000\n[[budget.items]]\nlever = \"places\"\ntarget = \"yoga\"\nshare = 1.0"), &[RUN, P], &["target", "yoga"]),
        case("budget: a method bought as units", policy("[budget]\nannual_dkk = 1000000\n[[budget.items]]\nlever = \"units\"\ntarget = \"cti\"\nshare = 1.0"), &[RUN, P], &["budget.items[0].target", "`cti` is not a target of lever Units", "almene_cheap"]),
        case("segment named like a method", policy("[housing.segments.icm]\nnational_stock = 10\napportion_by = \"population\"\nannual_turnover = 0.1\nallocation_share = 0.1\nhomeless_youth_share = 0.1\nrent = 3000\neligibility = \"any\"\nunit_cost_per_year = 0"), &[RUN, P], &["housing.segments.icm", "not a valid segment name"]),
        case("budget unknown municipality", policy("[budget]\nannual_dkk = 1000000\n[[budget.items]]\nlever = \"places\"\ntarget = \"community\"\nshare = 1.0\nmunicipalities = [\"Atlantis\"]"), &[RUN, P], &["Atlantis", "unknown municipality"]),
        // Dated changes.
        case("dated change out of order", policy("[changes.x]\nkey = \"entry.hr_care\"\ninterpolation = \"step\"\npoints = [{ month = \"2020-01\", value = 10.0 }, { month = \"2019-01\", value = 12.0 }]"), &[RUN, P], &["changes.x", "order"]),
        case("dated change unknown key", policy("[changes.x]\nkey = \"entry.nope\"\ninterpolation = \"step\"\npoints = [{ month = \"2020-01\", value = 1.0 }]"), &[RUN, P], &["changes.x", "entry.nope"]),
        case("dated change value out of range", policy("[changes.x]\nkey = \"allocation.offer_acceptance\"\ninterpolation = \"step\"\npoints = [{ month = \"2020-01\", value = 3.0 }]"), &[RUN, P], &["changes.x", "allowed"]),
        case("dated change bad month", policy("[changes.x]\nkey = \"entry.hr_care\"\ninterpolation = \"step\"\npoints = [{ month = \"2020-00\", value = 10.0 }]"), &[RUN, P], &["changes.x", "month"]),
        case("two changes of one key", policy("[changes.x]\nkey = \"entry.hr_care\"\ninterpolation = \"step\"\npoints = [{ month = \"2020-01\", value = 10.0 }]\n[changes.y]\nkey = \"entry.hr_care\"\ninterpolation = \"step\"\npoints = [{ month = \"2021-01\", value = 11.0 }]"), &[RUN, P], &["entry.hr_care"]),
        // Rollouts.
        case("rollout unknown concept", policy("[[rollout]]\nconcept = \"nope\"\nchannel = \"municipal\"\nmunicipalities = [\"Aarhus\"]\nstart = \"2020-01\""), &[RUN, P], &["rollout[0].concept", "nope"]),
        case("rollout unknown channel", policy("[[rollout]]\nconcept = \"helt-hjem\"\nchannel = \"lottery\"\nmunicipalities = [\"Aarhus\"]\nstart = \"2020-01\""), &[RUN, P], &["rollout[0].channel", "lottery"]),
        case("rollout unknown municipality", policy("[[rollout]]\nconcept = \"helt-hjem\"\nchannel = \"municipal\"\nmunicipalities = [\"Gotham\"]\nstart = \"2020-01\""), &[RUN, P], &["Gotham"]),
        case("rollout bad start", policy("[[rollout]]\nconcept = \"helt-hjem\"\nchannel = \"municipal\"\nmunicipalities = [\"Aarhus\"]\nstart = \"soon\""), &[RUN, P], &["rollout[0].start"]),
        // Data tables.
        case("data: missing table", policy("[data]\nmunicipalities = \"nowhere.csv\""), &[RUN, P], &["nowhere.csv"]),
        case("data: a number that is not", data(|t| t.replacen(",27731,", ",lots,", 1)), &[RUN, P], &["bad.csv:2"]),
        case("data: empty table", data(|_| String::new()), &[RUN, P], &["bad.csv"]),
        case("data: header only", data(|t| t.lines().next().unwrap().to_string() + "\n"), &[RUN, P], &["bad.csv"]),
        case("data: unknown neighbour", data(|t| t.replacen("Ballerup;Brøndby", "Ballerup;Narnia", 1)), &[RUN, P], &["bad.csv", "Narnia"]),
        case("data: one-sided neighbour", data(|t| t.replacen("Egedal;Fredensborg", "Egedal;Fredensborg;Aabenraa", 1)), &[RUN, P], &["bad.csv", "Aabenraa"]),
        case("data: negative population", data(|t| t.replacen(",27731,", ",-27731,", 1)), &[RUN, P], &["bad.csv:2"]),
        // Command lines of run.
        case("--set without =", vec![], &[RUN, "@base.toml", "--set", "run.scale"], &["--set", "run.scale"]),
        case("--set unknown key", vec![], &[RUN, "@base.toml", "--set", "entry.nonsense=1"], &["entry.nonsense"]),
        case("--set wrong type", vec![], &[RUN, "@base.toml", "--set", "run.scale=lots"], &["run.scale"]),
        case("--set out of range", vec![], &[RUN, "@base.toml", "--set", "allocation.offer_acceptance=7"], &["allocation.offer_acceptance", "allowed"]),
        case("--set nan", vec![], &[RUN, "@base.toml", "--set", "allocation.offer_acceptance=nan"], &["allocation.offer_acceptance"]),
        case("--replicates 0", vec![], &[RUN, "@base.toml", "--replicates", "0"], &["replicates"]),
        case("--seed not a number", vec![], &[RUN, "@base.toml", "--seed", "abc"], &["--seed"]),
        case("--threads not a number", vec![], &[RUN, "@base.toml", "--threads", "many"], &["--threads"]),
        case("unknown flag", vec![], &[RUN, "@base.toml", "--frobnicate"], &["--frobnicate"]),
        // Batch files.
        case("batch: syntax", vec![("batch.toml", text("name = \"b\nbaseline = 1".into()))], &["batch", B], &["batch.toml:1"]),
        case("batch: unknown key", batch("colour = \"blue\""), &["batch", B], &["batch.toml", "unknown field `colour`"]),
        case("batch: zero replicates", vec![("batch.toml", text("name = \"b\"\nbaseline = \"base.toml\"\nreplicates = 0\nseed = 1\n".into()))], &["batch", B], &["batch.toml", "replicates", "allowed"]),
        case("batch: name leaving the output folder", vec![("batch.toml", text("name = \"../escape\"\nbaseline = \"base.toml\"\nreplicates = 1\nseed = 1\n".into()))], &["batch", B], &["batch.toml", "name", "not a valid name"]),
        case("batch: missing baseline", vec![("batch.toml", text("name = \"b\"\nbaseline = \"nowhere.toml\"\nreplicates = 1\nseed = 1\n".into()))], &["batch", B], &["nowhere.toml"]),
        case("batch: a scenario that is a directory", with(batch("scenarios = [\"dir\"]"), vec![("dir/x", Vec::new())]), &["batch", B], &["dir"]),
        case("batch: a bad scenario inside", with(batch("scenarios = [\"policy.toml\"]"), policy("[allocation]\noffer_acceptance = 1.7")), &["batch", B], &["policy.toml:4", "allocation.offer_acceptance"]),
        case("batch: the same scenario twice", with(batch("scenarios = [\"policy.toml\", \"policy.toml\"]"), policy("")), &["batch", B], &["same scenario"]),
        case("batch: empty grid axis", batch("[[sweeps]]\nscenario = \"base.toml\"\ndesign = \"grid\"\naxes = { \"entry.hr_care\" = [] }"), &["batch", B], &["sweeps[0].axes.entry.hr_care"]),
        case("batch: hypercube min above max", batch("[[sweeps]]\nscenario = \"base.toml\"\ndesign = \"latin_hypercube\"\npoints = 4\naxes = { \"entry.hr_care\" = { min = 9.0, max = 2.0 } }"), &["batch", B], &["sweeps[0].axes.entry.hr_care"]),
        case("batch: hypercube infinite range", batch("[[sweeps]]\nscenario = \"base.toml\"\ndesign = \"latin_hypercube\"\npoints = 4\naxes = { \"entry.hr_care\" = { min = 1.0, max = inf } }"), &["batch", B], &["sweeps[0].axes.entry.hr_care", "finite"]),
        case("batch: hypercube of one point", batch("[[sweeps]]\nscenario = \"base.toml\"\ndesign = \"latin_hypercube\"\npoints = 1\naxes = { \"entry.hr_care\" = { min = 1.0, max = 2.0 } }"), &["batch", B], &["sweeps[0].points"]),
        case("batch: a grid of billions of points", batch(&huge_grid), &["batch", B], &["batch.toml", "sweeps", "8000000001 scenario variants"]),
        case("batch: too many runs", vec![("batch.toml", text("name = \"b\"\nbaseline = \"base.toml\"\nscenarios = [\"a.toml\", \"b.toml\"]\nreplicates = 100000\nseed = 1\n".into()))], &["batch", B], &["batch.toml", "replicates", "300000 runs"]),
        case("batch: absurd work", batch("[[sweeps]]\nscenario = \"base.toml\"\ndesign = \"latin_hypercube\"\npoints = 1000\naxes = { \"entry.hr_care\" = { min = 1.0, max = 2.0 } }").into_iter().map(|(n, b)| (n, String::from_utf8(b).unwrap().replace("replicates = 2", "replicates = 100").replace("\"run.scale\" = 0.01", "\"run.scale\" = 1.0").replace("\"run.end\" = \"2015-02\"", "\"run.end\" = \"2090-12\"").into_bytes())).collect(), &["batch", B], &["batch.toml", "agent-months"]),
        case("batch: missing history check", batch("history_check = \"nowhere.toml\""), &["batch", B], &["nowhere.toml"]),
        case("batch: missing posterior", batch("posterior = \"nowhere.csv\""), &["batch", B], &["nowhere.csv", "posterior"]),
        case("batch: posterior that is not one", with(batch("posterior = \"post.csv\""), vec![("post.csv", text("a,b\n1,2\n".into()))]), &["batch", B], &["posterior", "not a posterior"]),
        // Batch command lines.
        case("--precision nan", batch(""), &["batch", B, "--precision", "NaN"], &["--precision"]),
        case("--precision negative", batch(""), &["batch", B, "--precision=-3"], &["--precision"]),
        case("--precision with an unknown metric", batch(""), &["batch", B, "--precision", "5", "--metric", "no_such_metric"], &["--metric", "no_such_metric", "allowed"]),
        case("--max-replicates 0", batch(""), &["batch", B, "--precision", "5", "--max-replicates", "0"], &["--max-replicates", "allowed"]),
        case("--max-replicates below the batch's", batch(""), &["batch", B, "--precision", "5", "--max-replicates", "1"], &["--max-replicates", "allowed"]),
        case("--precision with a shard", batch(""), &["batch", B, "--precision", "5", "--shard", "0/2"], &["--precision", "shard"]),
        case("--shard out of range", batch(""), &["batch", B, "--shard", "3/2"], &["--shard"]),
        case("--shard not a fraction", batch(""), &["batch", B, "--shard", "half"], &["--shard"]),
        case("--replicates 0 on a batch", batch(""), &["batch", B, "--replicates", "0"], &["--replicates"]),
        // Other commands.
        case("merge: a folder without shards", vec![("empty/x", Vec::new())], &["merge", "@empty", "--out", "@out"], &["merge", "no shard manifests"]),
        case("report: a folder that is not one", vec![("empty/x", Vec::new())], &["report", "@empty"], &["manifest.json", "allowed"]),
        case("validate: a binary file", vec![("blob.toml", vec![0x00, 0x01, 0xff, 0xfe])], &["validate", "@blob.toml"], &["blob.toml"]),
        case("calibrate: a scenario instead of targets", policy(""), &["calibrate", P], &["policy.toml"]),
        case("sensitivity: a missing spec", vec![], &["sensitivity", "@nowhere.toml"], &["nowhere.toml"]),
    ]
}

fn try_case(c: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("data")).unwrap();
    std::fs::copy(
        scenario("data/municipalities.csv"),
        dir.join("data/municipalities.csv"),
    )
    .unwrap();
    std::fs::copy(scenario("denmark.toml"), dir.join("base.toml")).unwrap();
    for (name, bytes) in &c.files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let before = listing(dir);
    let out = dir.join("out");
    let mut args: Vec<String> = c
        .args
        .iter()
        .map(|a| match a.strip_prefix('@') {
            Some(rel) => dir.join(rel).display().to_string(),
            None => a.to_string(),
        })
        .collect();
    if ["run", "batch", "calibrate", "sensitivity"].contains(&args[0].as_str()) {
        args.extend([
            "--out".into(),
            out.display().to_string(),
            "--progress".into(),
            "never".into(),
        ]);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = hjemsim(&argv);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    let mut problems = Vec::new();
    if o.status.code() != Some(2) {
        problems.push(format!("exit {:?}", o.status.code()));
    }
    if stderr.contains("panicked") {
        problems.push("panicked".into());
    }
    for e in &c.expect {
        if !stderr.contains(e) {
            problems.push(format!("no `{e}`"));
        }
    }
    if out.exists() {
        problems.push("wrote output".into());
    }
    if listing(dir) != before {
        problems.push("changed the folder".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {} — stderr: {}",
            c.name,
            problems.join(", "),
            stderr.chars().take(400).collect::<String>()
        ))
    }
}

/// Every path under `dir` (the output folder aside, which is checked on its own).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn every_bad_input_of_the_corpus_is_refused_up_front() {
    let cases = corpus();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| try_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not handled:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
