//! `cowtrie cache --trace FILE --capacity N [--format arc|lines] [--policy cowtrie|lru]`:
//! replays a trace through the bounded store ([`cowtrie::cache::Cache`]) or through LRU,
//! the floor any policy should clear, single-threaded, and prints the hit ratio. The
//! formats and the replay are described in `cowtrie_cli::trace`.

use std::path::PathBuf;
use std::process::ExitCode;

use cowtrie_cli::exit::Status;
use cowtrie_cli::trace::{self, CowtrieReplay, Format, Lru, Replay};

/// Arguments of `cowtrie cache`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The trace file (zstd-compressed or plain).
    #[arg(long)]
    trace: PathBuf,
    /// The cache's capacity, in entries (each key is one entry).
    #[arg(long)]
    capacity: u64,
    /// arc: `start_block n_blocks ignored request_no` per line, one request per block;
    /// lines: one key per line.
    #[arg(long, value_enum, default_value_t = Format::Arc)]
    format: Format,
    /// The eviction policy the trace is replayed through.
    #[arg(long, value_enum, default_value_t = Policy::Cowtrie)]
    policy: Policy,
}

/// A policy to replay a trace through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Policy {
    /// cowtrie's `Cache`: S3-FIFO with a frequency duel at ghost readmission.
    Cowtrie,
    /// Least recently used: the floor.
    Lru,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    if args.capacity == 0 {
        eprintln!("error: --capacity must be at least 1");
        return Status::BadInput.into();
    }
    let keys = match trace::read_file(&args.trace, args.format) {
        Ok(keys) => keys,
        Err(error) => {
            eprintln!("error: {}: {error}", args.trace.display());
            return Status::BadInput.into();
        }
    };
    let mut cache: Box<dyn Replay> = match args.policy {
        Policy::Cowtrie => Box::new(CowtrieReplay::new(args.capacity)),
        Policy::Lru => Box::new(Lru::new(
            usize::try_from(args.capacity).unwrap_or(usize::MAX),
        )),
    };
    let outcome = trace::replay(&keys, cache.as_mut());
    say!("policy: {}", format!("{:?}", args.policy).to_lowercase());
    say!("requests: {}", outcome.requests);
    say!("hits: {}", outcome.hits);
    say!("hit ratio: {:.2}%", outcome.hit_ratio());
    Status::Ok.into()
}
