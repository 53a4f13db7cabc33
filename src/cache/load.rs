//! Loading on a miss, once per key: the registry behind
//! [`Cache::get_or_insert_with`](super::Cache::get_or_insert_with).
//!
//! # Protocol
//!
//! A thread that misses on a key registers a [`Load`] for it, unless one is registered
//! already, under the registry's lock (held for a map lookup and nothing else):
//!
//! - The thread that registered it **leads**: it runs the loader with no lock held, then
//!   writes the value if the key is still absent. Inside that write, under the cache's
//!   locks, it **settles** the load: unregisters it. After the write it finishes the load
//!   with what the key then holds and wakes the threads waiting on it.
//! - Every other thread that misses while the load is registered **waits** on it and
//!   returns the leader's result without running its own loader.
//! - A leader whose loader fails or panics drops its [`Lead`] unfinished: the load ends
//!   as failed, is unregistered, and wakes its waiters, who each try again from the
//!   start (read, then lead or wait). No entry is written.
//!
//! # Invariants
//!
//! 1. At most one load per key is registered at a time, and only its leader runs a
//!    loader for that key: N threads that miss together run one loader. (A thread that
//!    misses after a load settled and before its write is published may run a second
//!    one; the write that stores only into an absent key then keeps the first value.)
//! 2. Every waiter joined the load before it settled, and the load settles inside the
//!    write that decides its result, so the result a waiter returns was what the key
//!    held at a moment inside the waiter's own call. (A waiter that joined after that
//!    write could return a value overwritten or evicted before it began:
//!    `cowtrie check --store cache` found exactly that when loads settled after the
//!    write.)
//! 3. A load leaves the registry before its waiters are woken, and a waiter returns only
//!    the leader's result or retries: no thread waits on a load that will not end (the
//!    leader's [`Lead`] ends it on every path, a panic included). A leader unregisters
//!    only its own load, never a later one for the same key.
//! 4. The loader and the waiting run with no cache lock held (neither the policy lock
//!    nor the root cell's writer lock), so a slow loader holds up only the threads that
//!    want the same key.
#![forbid(unsafe_code)]

use std::collections::HashMap;

use crate::node::Bytes;
use crate::sync::{self, Arc, Condvar, Mutex};

/// The loads under way, by key.
pub(super) struct Loads<T> {
    pending: Mutex<HashMap<Bytes, Arc<Load<T>>>>,
}

/// One key's load: its state, and the waiters' condition variable.
pub(super) struct Load<T> {
    state: Mutex<State<T>>,
    ended: Condvar,
}

enum State<T> {
    Running,
    Loaded(T),
    Failed,
}

/// What a thread that missed does next.
pub(super) enum Role<'a, T> {
    /// Run the loader, then [`Lead::finish`].
    Lead(Lead<'a, T>),
    /// Wait for another thread's load ([`Load::wait`]).
    Wait(Arc<Load<T>>),
}

/// The leader's hold on a registered load; dropping it unfinished fails the load
/// (invariant 3).
pub(super) struct Lead<'a, T> {
    loads: &'a Loads<T>,
    key: Bytes,
    load: Arc<Load<T>>,
}

impl<T: Clone> Loads<T> {
    pub(super) fn new() -> Self {
        Self {
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// Registers a load of `key` and leads it, or joins the one registered.
    pub(super) fn join(&self, key: &[u8]) -> Role<'_, T> {
        let mut pending = sync::lock(&self.pending);
        if let Some(load) = pending.get(key) {
            return Role::Wait(Arc::clone(load));
        }
        let load = Arc::new(Load {
            state: Mutex::new(State::Running),
            ended: Condvar::new(),
        });
        pending.insert(Bytes::from_slice(key), Arc::clone(&load));
        Role::Lead(Lead {
            loads: self,
            key: Bytes::from_slice(key),
            load,
        })
    }
}

impl<T: Clone> Load<T> {
    /// Blocks until the load ends: the leader's result, or `None` if it failed.
    pub(super) fn wait(&self) -> Option<T> {
        let mut state = sync::lock(&self.state);
        loop {
            match &*state {
                State::Running => {
                    state = self
                        .ended
                        .wait(state)
                        .unwrap_or_else(|poison| poison.into_inner());
                }
                State::Loaded(value) => return Some(value.clone()),
                State::Failed => return None,
            }
        }
    }
}

impl<T> Lead<'_, T> {
    /// Unregisters the load, so that no thread joins it any more: called inside the
    /// write that decides the load's result, under the cache's locks (invariant 2).
    pub(super) fn settle(&self) {
        let mut pending = sync::lock(&self.loads.pending);
        if pending
            .get(&self.key)
            .is_some_and(|load| Arc::ptr_eq(load, &self.load))
        {
            pending.remove(&self.key);
        }
    }

    /// Ends the load with `result`, handed to every waiter.
    pub(super) fn finish(self, result: T) {
        self.end(State::Loaded(result));
    }

    /// Unregisters the load if it is still registered, then sets its end state and wakes
    /// its waiters (invariant 3).
    fn end(&self, end: State<T>) {
        self.settle();
        let mut state = sync::lock(&self.load.state);
        if matches!(*state, State::Running) {
            *state = end;
        }
        drop(state);
        self.load.ended.notify_all();
    }
}

impl<T> Drop for Lead<'_, T> {
    fn drop(&mut self) {
        // After `finish` this finds the load ended and only wakes nobody; otherwise the
        // loader failed or panicked, and the waiters retry.
        if matches!(*sync::lock(&self.load.state), State::Running) {
            self.end(State::Failed);
        }
    }
}
