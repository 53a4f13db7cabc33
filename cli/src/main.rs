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
mod check_durable;
mod demo;
mod draw;
mod generate;
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
    /// Generate a concurrent history of simulated clients, linearizable or with one
    /// fault injected: a Jepsen log (register) or EDN maps (kv), for `check --history`.
    Generate(generate::Args),
    /// Replay a cache trace through the bounded store and print its hit ratio.
    Cache(cache::Args),
    /// Draw one of the guide's pictures (SVG) from a scripted run of the real code.
    Draw(draw::Args),
    /// A guided tour: versions sharing nodes, a guard outliving a remove, a read holding
    /// back one version; each part names its chapter of the guide (book/), and the tour
    /// ends with the next exercise's commands.
    Demo {
        /// How many keys the first version holds.
        #[arg(long, default_value_t = 100_000)]
        keys: u32,
        /// Print three versions of a small trie node by node instead, shared and new
        /// nodes marked.
        #[arg(long)]
        tree: bool,
    },
    /// The child of the kill test: writes to a durable store until killed, reporting
    /// each attempt and acknowledgement on stdout (see `cowtrie_cli::kill`).
    #[command(hide = true)]
    DurableWriter(cowtrie_cli::kill::WriterArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(args) => check::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Cache(args) => cache::run(&args),
        Command::Draw(args) => draw::run(&args),
        Command::Demo { keys, tree } => {
            demo::run(keys, tree);
            ExitCode::SUCCESS
        }
        Command::DurableWriter(args) => cowtrie_cli::kill::run_writer(&args),
    }
}
