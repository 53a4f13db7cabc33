//! [`conformance_tests!`](crate::conformance_tests): the battery as `#[test]` functions.

/// Writes the conformance battery as `#[test]` functions, one per part, for the store
/// that `$new` (any `Fn() -> S` where `S: KvStore`: a path such as `MyStore::new`, or a
/// closure) constructs; optionally with [`Settings`](crate::conformance::Settings).
///
/// The tests are named after their parts: `sequential_matches_model`,
/// `law_get_after_put`, `law_remove`, `law_cas`, `law_update`,
/// `concurrent_workloads_are_linearizable` (see the table in
/// [`conformance`](crate::conformance)). Each panics with its
/// [`Failure`](crate::conformance::Failure): the part, the seed to rerun with, and the
/// report. To check several stores in one file, invoke the macro once per module.
///
/// ```
/// # use std::sync::Mutex;
/// # use cowtrie_model::Model;
/// mod mutex_model {
///     use super::*;
///     cowtrie_model::conformance_tests!(|| Mutex::new(Model::new()));
/// }
///
/// mod eight_threads {
///     use super::*;
///     use cowtrie_model::conformance::Settings;
///     cowtrie_model::conformance_tests!(
///         || Mutex::new(Model::new()),
///         Settings { threads: 8, ..Settings::default() }
///     );
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($new:expr $(,)?) => {
        $crate::conformance_tests!($new, $crate::conformance::Settings::default());
    };
    ($new:expr, $settings:expr $(,)?) => {
        /// Random operation sequences, each result compared with the model's.
        #[test]
        fn sequential_matches_model() {
            $crate::conformance::assert_passes($crate::conformance::sequential($new, &$settings));
        }

        /// A put's value is read back; no other key changes.
        #[test]
        fn law_get_after_put() {
            $crate::conformance::assert_passes($crate::conformance::law_get_after_put(
                $new, &$settings,
            ));
        }

        /// A remove says whether the key was present; then it is absent.
        #[test]
        fn law_remove() {
            $crate::conformance::assert_passes($crate::conformance::law_remove($new, &$settings));
        }

        /// A cas succeeds iff the expected value (or absence) holds; else nothing changes.
        #[test]
        fn law_cas() {
            $crate::conformance::assert_passes($crate::conformance::law_cas($new, &$settings));
        }

        /// An update returns the previous value.
        #[test]
        fn law_update() {
            $crate::conformance::assert_passes($crate::conformance::law_update($new, &$settings));
        }

        /// Concurrent workloads, one per mix, each history checked for linearizability.
        #[test]
        fn concurrent_workloads_are_linearizable() {
            $crate::conformance::assert_passes($crate::conformance::concurrent($new, &$settings));
        }
    };
}
