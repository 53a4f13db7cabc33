//! The conformance kit on the model behind a mutex, the control group: the battery
//! passes; a check that runs out of budget is a failure, never a pass; a failure names
//! its part and its seed.

use std::sync::Mutex;
use std::time::Duration;

use cowtrie_model::conformance::{self, Settings};
use cowtrie_model::{Budget, Model};

fn mutex_model() -> Mutex<Model> {
    Mutex::new(Model::new())
}

/// Short workloads: the point here is that the macro expands and the battery passes.
fn quick() -> Settings {
    Settings {
        time: Duration::from_millis(50),
        cases: 32,
        ..Settings::default()
    }
}

mod control {
    use super::*;

    cowtrie_model::conformance_tests!(mutex_model, quick());
}

#[test]
fn a_check_out_of_budget_fails_with_its_reason() {
    let settings = Settings {
        budget: Budget {
            steps_per_op: 0,
            ..Budget::default()
        },
        seed: 7,
        // Long enough for the threads' operations to overlap even on a loaded machine: a
        // history run one thread at a time needs no search step, and would pass.
        time: Duration::from_millis(300),
        ..quick()
    };
    let failure = conformance::workload(mutex_model, &settings, 0)
        .expect_err("a check without a verdict must not pass");
    let text = failure.to_string();
    assert!(text.contains("verdict: unknown"), "{text}");
    assert!(text.contains("concurrent workload 1 of 3"), "{text}");
    assert!(text.contains("COWTRIE_CONFORMANCE_SEED=7"), "{text}");
}
