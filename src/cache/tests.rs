//! Unit tests of the cache's policy.
