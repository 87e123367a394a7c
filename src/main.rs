//! The `incidentlab` command: parses flags, calls the library, prints, and maps errors to exit codes
//! (0 success, 1 a problem with the data, a model, a computation or a file, 2 a usage error: a bad
//! flag value or combination; `Error::exit_code` decides).

use clap::{Parser, Subcommand};

use incidentlab::cli;

#[derive(Parser)]
#[command(
    name = "incidentlab",
    version,
    about = "Turns raw IT incident exports into decisions: import, metrics, simulation, reports."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import exports (ServiceNow, Jira, PagerDuty, event logs, XES, any CSV via a mapping) into a store.
    #[command(after_help = cli::examples_help(cli::import::EXAMPLES))]
    Import(cli::import::ImportArgs),
    /// Metrics: MTTR/MTTA, SLA compliance, flow, backlog, recurrence, major incidents.
    #[command(after_help = cli::examples_help(cli::analyze::EXAMPLES))]
    Analyze(cli::analyze::AnalyzeArgs),
    /// Write a synthetic export with a realistic shape (deterministic from --seed).
    #[command(after_help = cli::examples_help(cli::generate::EXAMPLES))]
    Generate(cli::generate::GenerateArgs),
    /// Simulate the service desk from a scenario file (parallel replications, 95 % CIs).
    #[command(after_help = cli::examples_help(cli::simulate::EXAMPLES))]
    Simulate(cli::simulate::SimulateArgs),
    /// Calibrate a scenario from imported data (arrival profile, priority mix, work-time fits).
    #[command(after_help = cli::examples_help(cli::fit::EXAMPLES))]
    Fit(cli::fit::FitArgs),
    /// Face validation: a scenario's simulated figures beside the observed ones.
    #[command(after_help = cli::examples_help(cli::validate::EXAMPLES))]
    Validate(cli::validate::ValidateArgs),
    /// Compare pilot scenarios with a baseline (common random numbers, paired CIs), or sweep a parameter.
    #[command(after_help = cli::examples_help(cli::compare::EXAMPLES))]
    Compare(cli::compare::CompareArgs),
    /// Find the least staffing that meets SLA targets, and compare it with Erlang C.
    #[command(after_help = cli::examples_help(cli::staff::EXAMPLES))]
    Staff(cli::staff::StaffArgs),
    /// Write a report a manager can read: index.html (offline), summary.md, metrics.json.
    #[command(after_help = cli::examples_help(cli::report::EXAMPLES))]
    Report(cli::report::ReportArgs),
    /// Evaluate a real pilot from data: before/after or pilot vs control, with a verdict.
    #[command(after_help = cli::examples_help(cli::pilot::EXAMPLES))]
    Pilot(cli::pilot::PilotArgs),
    /// Combine the part files of a sharded run (--shard i/n) into the unsharded JSON result.
    #[command(after_help = cli::examples_help(cli::merge::EXAMPLES))]
    Merge(cli::merge::MergeArgs),
}

/// A bar of `len` steps (None: a spinner) in `template` on standard error; None when standard error
/// is not a terminal, so scripts and CI logs stay clean.
fn terminal_bar(len: Option<u64>, template: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match len {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    Some(bar)
}

/// A progress bar of replications for runs of 20 or more; nothing off a terminal.
fn progress_bar(total: u64) -> Box<dyn Fn() + Sync> {
    let bar = (total >= 20)
        .then(|| terminal_bar(Some(total), "{bar:40} {pos}/{len} replications ({eta})"))
        .flatten();
    match bar {
        Some(bar) => Box::new(move || bar.inc(1)),
        None => Box::new(|| {}),
    }
}

/// A progress bar of bytes read for an import of `total` bytes (16 MiB or more); nothing off a
/// terminal.
fn byte_progress(total: u64) -> Box<dyn Fn(u64) + Send + Sync> {
    let template = "{bar:40} {bytes}/{total_bytes} read ({bytes_per_sec}, {eta})";
    match (total >= 16 << 20)
        .then(|| terminal_bar(Some(total), template))
        .flatten()
    {
        Some(bar) => Box::new(move |n| {
            bar.inc(n);
            if bar.position() >= total {
                bar.finish_and_clear();
            }
        }),
        None => Box::new(|_| {}),
    }
}

/// On a terminal, a spinner counting the replications a command runs (comparisons, sweeps, staffing
/// searches, reports, validation: their number is not known ahead); drawn from the first one on.
fn replication_spinner() -> Option<indicatif::ProgressBar> {
    let bar = terminal_bar(None, "{spinner} {pos} replications simulated ({elapsed})")?;
    let ticks = bar.clone();
    incidentlab::sim::replicate::observe_replications(Box::new(move || ticks.inc(1)));
    Some(bar)
}

/// On a terminal, a spinner naming the phase an analysis is in; cleared when told `None`.
fn phase_spinner() -> Box<dyn Fn(Option<&'static str>) + Send + Sync> {
    let Some(bar) = terminal_bar(None, "{spinner} analysing: {msg} ({elapsed})") else {
        return Box::new(|_| {});
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Box::new(move |phase| match phase {
        Some(p) => bar.set_message(p),
        None => bar.finish_and_clear(),
    })
}

fn main() {
    // A file-size limit (ulimit -f) would otherwise kill the process mid-write with SIGXFSZ; ignored,
    // the write fails with EFBIG and the user gets "cannot write" with the path, and no partial file.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let args = Cli::parse();
    // `simulate` draws its own bar (its number of replications is known).
    let spinner = match &args.command {
        Command::Compare(_)
        | Command::Staff(_)
        | Command::Report(_)
        | Command::Validate(_)
        | Command::Fit(_)
        | Command::Pilot(_) => replication_spinner(),
        _ => None,
    };
    let result = match &args.command {
        Command::Import(a) => cli::import::run(a, &byte_progress),
        Command::Generate(a) => cli::generate::run(a),
        Command::Analyze(a) => cli::analyze::run(a, &phase_spinner),
        Command::Simulate(a) => cli::simulate::run(a, &progress_bar),
        Command::Compare(a) => cli::compare::run(a),
        Command::Fit(a) => cli::fit::run(a),
        Command::Validate(a) => cli::validate::run(a),
        Command::Staff(a) => cli::staff::run(a),
        Command::Pilot(a) => cli::pilot::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Merge(a) => cli::merge::run(a),
    };
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    match result {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks (no flag declared twice once the shared groups are flattened,
    /// …); in a release build they would otherwise not run.
    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
