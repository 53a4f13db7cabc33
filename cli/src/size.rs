//! Sizes in bytes as flags spell them: `1000000`, `64KiB`, `512MiB`, `2GiB`, `1.5GB`.
//!
//! A number (whole, or with a decimal fraction when a unit follows) and an optional unit,
//! case-insensitive, a space between them allowed: `B`; `KiB`, `MiB`, `GiB`, `TiB`
//! (powers of 1024); `kB`, `MB`, `GB`, `TB` (powers of 1000). A bare number is bytes. The
//! size must be at least one byte and fit in `usize`.

/// Binary and decimal units, lower-cased, with the bytes each stands for.
const UNITS: [(&str, u64); 9] = [
    ("b", 1),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
];

/// Parses a size (see the module doc); the error says what was wrong and what is accepted.
pub(crate) fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = (&text[..split], text[split..].trim_start());
    let accepted = "a number of bytes, optionally with a unit: B, KiB, MiB, GiB, TiB \
                    (powers of 1024) or kB, MB, GB, TB (powers of 1000), e.g. 512MiB";
    if number.is_empty() {
        return Err(format!("'{text}' is not a size: expected {accepted}"));
    }
    let scale = if unit.is_empty() {
        1
    } else {
        let lower = unit.to_ascii_lowercase();
        match UNITS.iter().find(|(name, _)| *name == lower) {
            Some(&(_, scale)) => scale,
            None => {
                return Err(format!(
                    "unknown unit '{unit}' in '{text}': expected {accepted}"
                ))
            }
        }
    };
    let bytes = match number.split_once('.') {
        None => number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale)),
        Some(_) if scale == 1 => {
            return Err(format!("'{text}': a number of bytes must be whole"));
        }
        Some(_) => {
            let value: f64 = number
                .parse()
                .map_err(|_| format!("'{number}' is not a number (in '{text}')"))?;
            let bytes = (value * scale as f64).round();
            (bytes < u64::MAX as f64).then_some(bytes as u64)
        }
    };
    match bytes.map(usize::try_from) {
        Some(Ok(0)) => Err(format!("'{text}': the size must be at least one byte")),
        Some(Ok(bytes)) => Ok(bytes),
        _ => Err(format!("'{text}' is too large for this machine")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn units_scale_the_number() {
        for (text, bytes) in [
            ("1000000", 1_000_000),
            ("1B", 1),
            ("64KiB", 64 << 10),
            ("512MiB", 512 << 20),
            ("512 mib", 512 << 20),
            ("2GiB", 2 << 30),
            ("1.5GiB", 3 << 29),
            ("3MB", 3_000_000),
            ("1kB", 1_000),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
    }

    #[test]
    fn bad_sizes_are_refused_with_a_reason() {
        for (text, says) in [
            ("", "is not a size"),
            ("MiB", "is not a size"),
            ("-1", "is not a size"),
            ("12 apples", "unknown unit 'apples'"),
            ("2G", "unknown unit 'G'"),
            ("0", "at least one byte"),
            ("0MiB", "at least one byte"),
            ("1.5", "must be whole"),
            ("1.2.3GiB", "is not a number"),
            ("99999999999999999999", "too large"),
            ("20000000TiB", "too large"),
        ] {
            let error = parse_size(text).expect_err(text);
            assert!(error.contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn the_default_in_the_help_is_the_checkers() {
        assert_eq!(
            parse_size(crate::check::DEFAULT_MAX_MEMORY),
            Ok(cowtrie_model::DEFAULT_MEMORY)
        );
    }
}
