//! The writers' rates of the under-writer groups, kept beside criterion's estimates (whose
//! routines time the readers alone) for `ratios.py`.

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The writers' rates in `read_under_writer_*` (of the `store` and `u64keys` benches), kept
/// for `ratios.py` in
/// `writer_rates.tsv` next to criterion's own output (`$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else the workspace's `target/criterion`). One line per
/// group, key set and store: `group\tkeyset\tstore\tops_per_sec`; a new run replaces the
/// line it measured again and keeps the others, as criterion does with its estimates.
pub struct WriterRates;

impl WriterRates {
    const FILE: &'static str = "writer_rates.tsv";
    const HEADER: &'static str = "# group\tkeyset\tstore\tops_per_sec";

    fn path() -> PathBuf {
        let dir = match (
            env::var_os("CRITERION_HOME"),
            env::var_os("CARGO_TARGET_DIR"),
        ) {
            (Some(home), _) => PathBuf::from(home),
            (None, Some(target)) => PathBuf::from(target).join("criterion"),
            (None, None) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"),
        };
        dir.join(Self::FILE)
    }

    /// Prints the rate of a writer that made `ops` operations in `nanos` nanoseconds of
    /// writing, and records it; nothing if it made none (its routine was filtered out).
    pub fn report(group: &str, keyset: &str, store: &str, ops: u64, nanos: u64) {
        if ops == 0 {
            return;
        }
        let rate = ops as f64 / (nanos.max(1) as f64 / 1e9);
        println!("{group}/{keyset}/{store}: writer {rate:.0} ops/s");
        if let Err(error) = Self::record(group, keyset, store, rate) {
            eprintln!("could not record the writer's rate: {error}");
        }
    }

    fn record(group: &str, keyset: &str, store: &str, rate: f64) -> io::Result<()> {
        // Criterion's test and list modes run each routine once, or not at all.
        if env::args().any(|arg| arg == "--test" || arg == "--list") {
            return Ok(());
        }
        let path = Self::path();
        let old = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => String::new(),
            Err(error) => return Err(error),
        };
        let key = format!("{group}\t{keyset}\t{store}\t");
        let mut text = format!("{}\n", Self::HEADER);
        for line in old.lines() {
            if !line.starts_with('#') && !line.starts_with(&key) && !line.is_empty() {
                text.push_str(line);
                text.push('\n');
            }
        }
        text.push_str(&format!("{key}{rate:.0}\n"));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, text)
    }
}
