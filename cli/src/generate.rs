//! `cowtrie generate`: a concurrent history of simulated clients, linearizable or with
//! one fault injected, as a Jepsen log (register) or EDN maps (key-value); see
//! `cowtrie_model::generate`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use cowtrie_cli::exit::Status;
use cowtrie_model::generate::{generate, Fault, Generated, Mix, ModelKind, Settings};

/// The models a history can be generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Model {
    /// One compare-and-set register (read, write, cas), written as a Jepsen log.
    Register,
    /// String keys (get, put, append), written as EDN maps.
    Kv,
}

/// The faults that can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FaultArg {
    /// None: the history is linearizable.
    None,
    /// A read returns a value overwritten by a write that completed before it began.
    StaleRead,
    /// An acknowledged append that later gets never show, while later appends do (kv).
    LostAppend,
    /// A read, long after, returns a value overwritten long before.
    Resurrected,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The model, which fixes the format.
    #[arg(long, value_enum)]
    model: Model,
    /// Clients running at once.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Operations in all.
    #[arg(long, default_value_t = 2000)]
    ops: usize,
    /// Keys (kv only) [default: 10].
    #[arg(long)]
    keys: Option<usize>,
    /// Values a register write picks from, 0..N (register only) [default: 5].
    #[arg(long)]
    values: Option<u32>,
    /// Weights of the operations: read=,write=,cas= (register) or get=,put=,append= (kv)
    /// [default: read=40,write=30,cas=30 or get=45,put=10,append=45].
    #[arg(long)]
    mix: Option<String>,
    /// The share of operations that never return, from 0 to 1.
    #[arg(long, default_value_t = 0.02)]
    never_return: f64,
    /// The fault to inject.
    #[arg(long, value_enum, default_value = "none")]
    fault: FaultArg,
    /// Seed of every random choice: the same flags give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the history to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The settings `args` describe, or what is wrong with them.
fn settings(args: &Args) -> Result<Settings, String> {
    let model = match args.model {
        Model::Register => ModelKind::Register,
        Model::Kv => ModelKind::KeyValue,
    };
    if model == ModelKind::Register && args.keys.is_some() {
        return Err("--keys is for --model kv (the register has no keys)".into());
    }
    if model == ModelKind::KeyValue && args.values.is_some() {
        return Err("--values is for --model register (kv values are unique tokens)".into());
    }
    let mut settings = Settings::new(model);
    settings.clients = args.clients;
    settings.ops = args.ops;
    settings.keys = args.keys.unwrap_or(settings.keys);
    settings.values = args.values.unwrap_or(settings.values);
    if let Some(mix) = &args.mix {
        settings.mix = Mix::parse(model, mix).map_err(|e| format!("--mix: {e}"))?;
    }
    settings.never_return = args.never_return;
    settings.fault = match args.fault {
        FaultArg::None => Fault::None,
        FaultArg::StaleRead => Fault::StaleRead,
        FaultArg::LostAppend => Fault::LostAppend,
        FaultArg::Resurrected => Fault::Resurrected,
    };
    settings.seed = args.seed;
    settings.validate().map_err(|e| e.to_string())?;
    Ok(settings)
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let generated = match settings(args).and_then(|s| generate(&s).map_err(|e| e.to_string())) {
        Ok(generated) => generated,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::BadInput.into();
        }
    };
    match &args.out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &generated.text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return Status::BadInput.into();
            }
            say!("{}: {}", path.display(), summary(&generated));
        }
        None => {
            // A closed stdout (`| head`) is not an error worth a status.
            let _ = std::io::stdout().write_all(generated.text.as_bytes());
            eprintln!("{}", summary(&generated));
        }
    }
    Status::Ok.into()
}

/// One line on what was generated, and where the fault is.
fn summary(generated: &Generated) -> String {
    let fault = match &generated.fault {
        None => "no fault".to_string(),
        Some(site) => format!("fault: {}", site.description),
    };
    format!(
        "{} operations ({} timed out); {fault}",
        generated.operations, generated.timed_out
    )
}
