//! The `cowtrie` command: verification campaigns and demonstrations.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` that ignores a closed output: `cowtrie check ... | head` must not panic
/// when `head` leaves, and the run still ends with its verdict's exit status.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod check;
mod check_durable;
mod demo;
mod history;

/// cowtrie: a concurrent copy-on-write trie key-value store, and its verification.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a concurrent workload on a store, record it, and check it is linearizable;
    /// or, with --history, check a history recorded by another tool.
    Check(check::Args),
    /// Show versions sharing nodes, and a guard outliving a remove.
    Demo {
        /// How many keys the first version holds.
        #[arg(long, default_value_t = 100_000)]
        keys: u32,
    },
    /// The child of the kill test: writes to a durable store until killed, reporting
    /// each attempt and acknowledgement on stdout (see `cowtrie_cli::kill`).
    #[command(hide = true)]
    DurableWriter(cowtrie_cli::kill::WriterArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(args) => check::run(&args),
        Command::Demo { keys } => {
            demo::run(keys);
            ExitCode::SUCCESS
        }
        Command::DurableWriter(args) => cowtrie_cli::kill::run_writer(&args),
    }
}
