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

mod cache;
mod check;
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
    /// Replay a cache trace through the bounded store and print its hit ratio.
    Cache(cache::Args),
    /// Show versions sharing nodes, and a guard outliving a remove.
    Demo {
        /// How many keys the first version holds.
        #[arg(long, default_value_t = 100_000)]
        keys: u32,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(args) => check::run(&args),
        Command::Cache(args) => cache::run(&args),
        Command::Demo { keys } => {
            demo::run(keys);
            ExitCode::SUCCESS
        }
    }
}
