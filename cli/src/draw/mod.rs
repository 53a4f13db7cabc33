//! `cowtrie draw`: the guide's pictures, drawn from runs of the real code.
//!
//! # Format
//!
//! Each picture is one self-contained SVG 1.1 document, `font-family="monospace"` at
//! 12 px, its `width`, `height` and `viewBox` equal and fitted to what is drawn.
//!
//! # Invariants
//!
//! 1. *Deterministic.* A picture depends only on the script that made it: no address,
//!    no time, no thread scheduling reaches the output (node identities are numbered in
//!    order of first appearance; moments are the order of recorded events). The
//!    committed copies under `book/src/pictures/` are compared with fresh ones by
//!    `cli/tests/pictures.rs`.
//! 2. *Nothing clips.* Every shape and text widens the canvas to hold it; text is
//!    measured at [`CHAR_WIDTH`] per character, more than any common monospace face
//!    needs at 12 px.
//! 3. Text is XML-escaped, so keys and values cannot break the document.

mod reclamation;
pub(crate) mod sharing;
mod violation;

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Args as ClapArgs, ValueEnum};
use cowtrie_cli::exit::Status;

/// Width of one character at 12 px, rounded up (DejaVu Sans Mono needs 7.22).
pub(crate) const CHAR_WIDTH: f64 = 7.5;
/// Height of a line of 12 px text, with leading.
pub(crate) const LINE: f64 = 16.0;

/// The pictures `cowtrie draw` makes.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Picture {
    /// Three versions of a small trie sharing nodes, and a guard pinning a leaf.
    Sharing,
    /// Readers and a writer on a real store: pins, swaps, retirement and frees.
    Reclamation,
    /// A violation found by the checker in a scripted history, as a timeline.
    Violation,
}

/// `cowtrie draw` arguments.
#[derive(ClapArgs)]
pub(crate) struct Args {
    /// Which picture.
    picture: Picture,
    /// Write the SVG here instead of to standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Draws the picture; [`Status::BadInput`] if the file cannot be written.
pub(crate) fn run(args: &Args) -> std::process::ExitCode {
    let svg = match args.picture {
        Picture::Sharing => sharing::draw(),
        Picture::Reclamation => reclamation::draw(),
        Picture::Violation => violation::draw(),
    };
    match &args.out {
        None => {
            use std::io::Write as _;
            let _ = std::io::stdout().write_all(svg.as_bytes());
        }
        Some(path) => {
            if !crate::write_out(path, &svg, "picture") {
                return Status::BadInput.into();
            }
        }
    }
    Status::Ok.into()
}

/// The width `text` takes at 12 px (invariant 2).
pub(crate) fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// An SVG under construction that grows to hold what is drawn on it.
pub(crate) struct Canvas {
    body: String,
    right: f64,
    bottom: f64,
}

/// Margin kept around everything drawn.
const MARGIN: f64 = 12.0;

impl Canvas {
    pub(crate) fn new() -> Self {
        Self {
            body: String::new(),
            right: 0.0,
            bottom: 0.0,
        }
    }

    fn hold(&mut self, x: f64, y: f64) {
        self.right = self.right.max(x);
        self.bottom = self.bottom.max(y);
    }

    /// A rectangle; `style` is extra attributes (`fill="..." stroke="..."`).
    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &str) {
        self.hold(x + w, y + h);
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {style}/>"#
        );
    }

    /// A line from `(x1, y1)` to `(x2, y2)`.
    pub(crate) fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), style: &str) {
        self.hold(x1.max(x2), y1.max(y2));
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {style}/>"#
        );
    }

    /// Text starting at `x`, baseline `y`; returns its right end.
    pub(crate) fn text(&mut self, x: f64, y: f64, text: &str, style: &str) -> f64 {
        let end = x + text_width(text);
        self.hold(end, y + 4.0);
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" {style}>{}</text>"#,
            xml(text)
        );
        end
    }

    /// Text centred on `x`.
    pub(crate) fn centred(&mut self, x: f64, y: f64, text: &str, style: &str) {
        self.text(x - text_width(text) / 2.0, y, text, style);
    }

    /// Raw markup (definitions such as arrow heads), taking no room.
    pub(crate) fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
        self.body.push('\n');
    }

    /// The finished document, sized to what was drawn plus a margin.
    pub(crate) fn finish(self) -> String {
        cowtrie_model::report::svg_document(self.right + MARGIN, self.bottom + MARGIN, &self.body)
    }
}

/// `text` escaped for XML character data and attribute values.
pub(crate) fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
