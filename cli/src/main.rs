//! The `cowtrie` command: demonstrations and (later) verification campaigns.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};

mod demo;

/// cowtrie: a concurrent copy-on-write trie key-value store.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show versions sharing nodes, and a guard outliving a remove.
    Demo {
        /// How many keys the first version holds.
        #[arg(long, default_value_t = 100_000)]
        keys: u32,
    },
}

fn main() {
    match Cli::parse().command {
        Command::Demo { keys } => demo::run(keys),
    }
}
