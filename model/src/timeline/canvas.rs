//! The timeline's SVG canvas: it grows to hold what is drawn (the module's invariant 2)
//! and escapes all text.

use std::fmt::Write;

use super::{BAR, CHAR_WIDTH, MARGIN};

/// The width `text` takes at 12 px.
pub(super) fn width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// Wraps `text` into lines of at most `columns` characters, at spaces when it can.
pub(super) fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > columns {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..columns).collect());
        }
        let word: String = word.into_iter().collect();
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > columns {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// An SVG that grows to hold what is drawn (invariant 2).
#[derive(Default)]
pub(super) struct Canvas {
    body: String,
    right: f64,
    bottom: f64,
}

impl Canvas {
    fn hold(&mut self, x: f64, y: f64) {
        self.right = self.right.max(x);
        self.bottom = self.bottom.max(y);
    }

    pub(super) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str, style: &str) {
        self.hold(x + w, y + h);
        let _ = writeln!(
            self.body,
            r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {style}/>"#
        );
    }

    pub(super) fn bar(&mut self, x: f64, y: f64, w: f64, style: &str, title: &str) {
        self.hold(x + w, y + BAR);
        let _ = writeln!(
            self.body,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{BAR}" rx="4" {style}><title>{}</title></rect>"#,
            xml(title)
        );
    }

    pub(super) fn line(
        &mut self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        class: &str,
        style: &str,
    ) {
        self.hold(x1.max(x2), y1.max(y2));
        let _ = writeln!(
            self.body,
            r#"<line class="{class}" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {style}/>"#
        );
    }

    /// Text from `x` on baseline `y`; returns where it ends.
    pub(super) fn text(&mut self, x: f64, y: f64, text: &str, class: &str, style: &str) -> f64 {
        self.text_sized(x, y, text, class, style, CHAR_WIDTH)
    }

    pub(super) fn text_sized(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        class: &str,
        style: &str,
        char_width: f64,
    ) -> f64 {
        let end = x + text.chars().count() as f64 * char_width;
        self.hold(end, y + 4.0);
        let _ = writeln!(
            self.body,
            r#"<text class="{class}" x="{x:.1}" y="{y:.1}" {style}>{}</text>"#,
            xml(text)
        );
        end
    }

    pub(super) fn centred(&mut self, x: f64, y: f64, text: &str, class: &str, style: &str) {
        self.text(x - width(text) / 2.0, y, text, class, style);
    }

    pub(super) fn finish(self) -> String {
        crate::report::svg_document(self.right + MARGIN, self.bottom + MARGIN, &self.body)
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
