//! The guide's Rust blocks (`book/src/*.md`) as doctests of this crate: each chapter is
//! included as the documentation of one item below, so `cargo test --doc` compiles and
//! runs every block against the real crate (the chapters on the durable store and the
//! cache with the features they need). Blocks that must not compile are marked
//! `compile_fail` with the error code and the reason beside them.

macro_rules! chapters {
    ($($(#[$attr:meta])* $name:ident = $file:literal;)*) => {$(
        $(#[$attr])*
        #[doc = include_str!(concat!("../book/src/", $file))]
        pub struct $name;
    )*};
}

chapters! {
    Introduction = "introduction.md";
    FromCmu = "01-from-cmu.md";
    Sharing = "02-sharing.md";
    Guards = "03-guards.md";
    Publishing = "04-publishing.md";
    Reclamation = "05-reclamation.md";
    Writers = "06-writers.md";
    Linearizability = "07-linearizability.md";
    Tools = "08-tools.md";
    Alternatives = "09-alternatives.md";
    // Crashes a store on the simulated disk: `cargo test --workspace` turns `sim` on
    // through the CLI; alone, `cargo test -p cowtrie --doc --features sim`.
    #[cfg(feature = "sim")]
    Durability = "10-durability.md";
    #[cfg(feature = "cache")]
    Eviction = "11-eviction.md";
    OwnStore = "12-verify-your-own-store.md";
    Glossary = "glossary.md";
    Commands = "commands.md";
}
