//! The exit statuses of the `cowtrie` command, defined here once for every subcommand.
//!
//! | status | name | meaning |
//! |---|---|---|
//! | 0 | [`Status::Ok`] | done; the check found the history linearizable (and every recovery a durable prefix) |
//! | 1 | [`Status::Violation`] | the check found a violation: not linearizable, not durable, or the store under test failed |
//! | 2 | [`Status::BadInput`] | bad usage or input: a flag clap or the command rejects, a file that cannot be read, written or parsed |
//! | 3 | [`Status::Unknown`] | the checker's budget (time, memory) ran out before a verdict |
//!
//! Where one run has several outcomes (`cowtrie check --history` over several files) it
//! exits with the worst of them, in the order of [`Status::worst`]: bad input over a
//! violation over unknown over ok. Bad input comes first because a file that could not be
//! read was not checked at all; a violation comes before unknown because it is certain.
//!
//! clap's own usage errors also exit 2 (clap's convention, which this table follows).

use std::process::ExitCode;

/// How a run of `cowtrie` ends; its exit status is [`Status::code`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// 0: done; linearizable.
    #[default]
    Ok,
    /// 1: a violation was found (or the store under test failed).
    Violation,
    /// 2: bad usage or input.
    BadInput,
    /// 3: the checker's budget ran out before a verdict.
    Unknown,
}

impl Status {
    /// The exit status, as the table in the module doc gives it.
    pub const fn code(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Violation => 1,
            Self::BadInput => 2,
            Self::Unknown => 3,
        }
    }

    /// The worse of two outcomes: bad input, then a violation, then unknown, then ok.
    pub fn worst(self, other: Self) -> Self {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// Severity: the higher, the worse.
    const fn rank(self) -> u8 {
        match self {
            Self::Ok => 0,
            Self::Unknown => 1,
            Self::Violation => 2,
            Self::BadInput => 3,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        Self::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Status::{self, BadInput, Ok, Unknown, Violation};

    #[test]
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = [Ok, Violation, BadInput, Unknown]
            .iter()
            .map(|s| s.code())
            .collect();
        assert_eq!(codes, [0, 1, 2, 3]);
    }

    #[test]
    fn worst_is_bad_input_then_violation_then_unknown_then_ok() {
        let order = [Ok, Unknown, Violation, BadInput];
        for (i, &a) in order.iter().enumerate() {
            for (j, &b) in order.iter().enumerate() {
                let expected = order[i.max(j)];
                assert_eq!(a.worst(b), expected, "{a:?} vs {b:?}");
            }
        }
        let all = [Unknown, Ok, BadInput, Violation];
        assert_eq!(all.into_iter().fold(Ok, Status::worst), BadInput);
    }
}
