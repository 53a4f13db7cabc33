//! The `cowtrie` command: verification campaigns and demonstrations.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cowtrie_cli::exit::Status;

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
mod size;

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
    /// or, with --history, check histories recorded by other tools (files, directories).
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
    let matches = match Cli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => return usage(&error),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => return usage(&error),
    };
    match cli.command {
        Command::Check(args) => {
            let given = matches
                .subcommand_matches("check")
                .expect("the check subcommand");
            check::run(&args, given)
        }
        Command::Generate(args) => generate::run(&args),
        Command::Cache(args) => cache::run(&args),
        Command::Draw(args) => draw::run(&args),
        Command::Demo { keys, tree } => {
            demo::run(keys, tree);
            Status::Ok.into()
        }
        Command::DurableWriter(args) => cowtrie_cli::kill::run_writer(&args),
    }
}

/// Prints clap's message: help or version (exit status 0), or a usage error (2, as
/// `cowtrie_cli::exit` has it).
/// Writes `contents` to `path` and says "`what` written to PATH"; if it cannot, says why
/// on standard error and returns `false`.
fn write_out(path: &std::path::Path, contents: &str, what: &str) -> bool {
    match std::fs::write(path, contents) {
        Ok(()) => {
            say!("{what} written to {}", path.display());
            true
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            false
        }
    }
}

fn usage(error: &clap::Error) -> ExitCode {
    let _ = error.print();
    if error.use_stderr() {
        Status::BadInput.into()
    } else {
        Status::Ok.into()
    }
}
