//! Memory per key: every store loaded with 1,000,000 keys, measured by a global allocator
//! that counts the bytes live on the heap (requested sizes; allocator overhead excluded).
//!
//! `cargo bench --bench memory` prints a table: bytes per key for each store and key set,
//! and the ratio to `ArcSwap<imbl::HashMap>`.
#![allow(missing_docs, reason = "a bench binary")]

// The store bench uses the rest of these modules.
#[allow(dead_code)]
mod keys;
#[allow(dead_code)]
mod peers;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use keys::KeySet;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and
// only adds bookkeeping, so `System`'s guarantees carry over.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, which is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `alloc` above, that is by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `dealloc`; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const KEYS: usize = 1_000_000;

fn main() {
    // `cargo bench` passes `--bench`; a name filter may follow.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    println!("| store | key set | bytes per key | ratio to ArcSwap<imbl::HashMap> |");
    println!("|---|---|---|---|");
    for set in [KeySet::random(KEYS), KeySet::words(KEYS)] {
        let mut rows = Vec::new();
        for index in 0..peers::all().len() {
            let before = LIVE.load(Ordering::Relaxed);
            let store = peers::all().swap_remove(index);
            // The guard variant is the same store read another way.
            let skip = filter.as_deref().is_some_and(|f| !store.name().contains(f));
            if skip || store.name().contains("(guard)") {
                continue;
            }
            for (i, key) in set.present.iter().enumerate() {
                store.put(key, i as u64);
            }
            let bytes = LIVE.load(Ordering::Relaxed) - before;
            rows.push((store.name(), bytes as f64 / KEYS as f64));
            drop(store);
        }
        let imbl = rows
            .iter()
            .find(|(name, _)| name.contains("imbl"))
            .map(|row| row.1);
        for (name, per_key) in rows {
            let ratio = imbl.map_or(String::from("-"), |i| format!("{:.2}", per_key / i));
            println!("| {name} | {} | {per_key:.1} | {ratio} |", set.name);
        }
    }
}
