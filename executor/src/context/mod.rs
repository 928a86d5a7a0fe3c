//! Context variables: asyncio's `contextvars` — values that follow the flow of control into
//! tasks, callbacks and blocking jobs without being passed along by hand.
//!
//! **What a context is.** An immutable map from variable to value (`vars.rs`), shared by
//! `Arc`; [`ContextVar::set`] replaces the thread's current map with a changed copy
//! (copy-on-write), so copying a context is O(1) and a copy never sees later changes to the
//! original. Each context also has an identity, which a [`Token`] remembers: a token is only
//! honoured by the context that made it.
//!
//! **Where the current context lives.** In the thread-local the task harness already uses for
//! `task::current()`. Around each poll the harness swaps the task's own context in and takes
//! it back afterwards, with whatever the poll set, so a task's changes survive its `await`s
//! and never leak into the next task the worker runs. Outside tasks (a `block_on` future, a
//! plain thread) the thread's own context is current.
//!
//! **Propagation.** What is current when work is *scheduled* is what it runs in: a spawned
//! task starts with a copy of its spawner's context, and so do `call_soon` / `call_later` /
//! `call_soon_threadsafe` callbacks, `spawn_blocking` / `to_thread` jobs and
//! `run_coroutine_threadsafe` coroutines. Each runs in its own copy: what it sets stays there
//! (a child never changes its parent's variables). The task keeps its context in its own
//! allocation, one pointer beside its future (in the slot its output takes later, so it dies
//! with the future), touched only by the poll; the capture and the swap are what a spawn and
//! a poll cost when no variable is set: one thread-local read that finds `None`, and moving
//! that `None` in and out of the thread-local the poll already writes.

pub(crate) mod task_contexts;
mod var;
mod vars;

pub use var::{ContextVar, ResetError, Token};

use std::fmt;
use std::sync::Arc;
use vars::Vars;

/// A context as the harness and the thread-local hold it: `None` for "no variable set", the
/// common case, which spawns capture for free.
pub(crate) type ContextSlot = Option<Arc<Vars>>;

/// A copy of the current context for work being scheduled now (a task, a callback, a
/// blocking job): `None` when no variable is set, which costs one thread-local read and no
/// allocation; otherwise one small allocation for the copy's identity.
#[inline]
pub(crate) fn capture() -> ContextSlot {
    if !crate::task::current::has_context() {
        return None;
    }
    copy_current()
}

/// [`capture`]'s copy, out of line.
#[inline(never)]
fn copy_current() -> ContextSlot {
    crate::task::current::with_context(|slot| {
        let vars = slot.take();
        let copy = match &vars {
            Some(vars) if !vars.is_empty() => Some(Arc::new(vars.copy())),
            _ => None,
        };
        slot.set(vars);
        copy
    })
    .flatten()
}

/// Runs `f` with `context` current on this thread and returns what `f` returned and the
/// context as `f` left it. The thread's previous context is restored even if `f` panics.
#[inline]
pub(crate) fn scope<R>(context: ContextSlot, f: impl FnOnce() -> R) -> (R, ContextSlot) {
    if context.is_some() || crate::task::current::has_context() {
        return swap_scope(context, f);
    }
    // Nothing to install and nothing to put back (every callback of a program that never
    // sets a variable): the slot is empty before `f`, and holds something after only if `f`
    // set a variable.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            // On unwinding only: the context `f` left is dropped with the panic.
            drop(take_left());
        }
    }
    let clear = Clear;
    let out = f();
    std::mem::forget(clear);
    (out, take_left())
}

/// Empties this thread's context slot, returning what was there.
#[inline]
pub(crate) fn take_left() -> ContextSlot {
    if !crate::task::current::has_context() {
        return None;
    }
    crate::task::current::with_context(|slot| slot.take()).flatten()
}

/// [`scope`] when there is a context to install or one to set aside.
#[inline(never)]
fn swap_scope<R>(context: ContextSlot, f: impl FnOnce() -> R) -> (R, ContextSlot) {
    struct Restore(Option<ContextSlot>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                // On unwinding only: the context `f` left is dropped with the panic.
                let left = crate::task::current::with_context(|slot| slot.replace(previous));
                drop(left);
            }
        }
    }
    let previous = crate::task::current::with_context(|slot| slot.replace(context)).flatten();
    let mut restore = Restore(Some(previous));
    let out = f();
    let previous = restore.0.take().flatten();
    let left = crate::task::current::with_context(|slot| slot.replace(previous)).flatten();
    (out, left)
}

/// A set of context variable values (asyncio's `contextvars.Context`): take one with
/// [`copy_context`], run code in it with [`run`](Context::run), read it with
/// [`get`](Context::get).
///
/// Changes made inside `run` stay in this context (and are seen by the next `run`), never in
/// the caller's.
///
/// ```
/// use weft_executor::context::{Context, ContextVar, copy_context};
/// static USER: ContextVar<&str> = ContextVar::new("user");
///
/// let _outer = USER.set("alice");
/// let mut ctx = copy_context();
/// ctx.run(|| {
///     assert_eq!(USER.get(), Some("alice")); // a copy of the caller's values
///     USER.set("bob");
/// });
/// assert_eq!(USER.get(), Some("alice")); // the caller is unchanged
/// assert_eq!(ctx.get(&USER), Some("bob")); // the change stayed in `ctx`
/// println!("outside: {:?}, in ctx: {:?}", USER.get(), ctx.get(&USER));
/// ```
#[derive(Default)]
pub struct Context {
    vars: ContextSlot,
}

impl Context {
    /// An empty context: no variable set (asyncio's `Context()`).
    ///
    /// ```
    /// use weft_executor::context::{Context, ContextVar};
    /// static N: ContextVar<u32> = ContextVar::new("n");
    /// let _set = N.set(1);
    /// let mut empty = Context::new();
    /// empty.run(|| assert_eq!(N.get(), None));
    /// ```
    pub fn new() -> Context {
        Context::default()
    }

    /// Runs `f` with this context current on this thread (asyncio's `Context.run`): it sees
    /// this context's values, its `set`s change this context, and the caller's context is
    /// back when `run` returns (or unwinds). Tasks spawned and callbacks scheduled inside
    /// start with a copy of this context.
    ///
    /// ```
    /// use weft_executor::context::{Context, ContextVar};
    /// static HITS: ContextVar<u32> = ContextVar::with_default("hits", 0);
    /// let mut ctx = Context::new();
    /// for _ in 0..3 {
    ///     ctx.run(|| HITS.set(HITS.get().unwrap() + 1));
    /// }
    /// assert_eq!(ctx.get(&HITS), Some(3));
    /// assert_eq!(HITS.get(), Some(0)); // only the default out here
    /// ```
    pub fn run<R>(&mut self, f: impl FnOnce() -> R) -> R {
        // Give the map to the thread for the call; a panic in `f` leaves `self` as it was
        // before the call.
        let (out, left) = scope(self.vars.clone(), f);
        self.vars = left;
        out
    }

    /// The value of `var` in this context (its default if it is not set here).
    ///
    /// ```
    /// use weft_executor::context::{ContextVar, copy_context};
    /// static LEVEL: ContextVar<u8> = ContextVar::new("level");
    /// let _t = LEVEL.set(3);
    /// assert_eq!(copy_context().get(&LEVEL), Some(3));
    /// ```
    pub fn get<T: Clone + Send + Sync + 'static>(&self, var: &ContextVar<T>) -> Option<T> {
        var.read(self.vars.as_deref(), |value| value.cloned())
    }

    /// How many variables are set in this context.
    ///
    /// ```
    /// use weft_executor::context::{Context, ContextVar};
    /// static A: ContextVar<u8> = ContextVar::new("a");
    /// let mut ctx = Context::new();
    /// assert_eq!(ctx.len(), 0);
    /// ctx.run(|| A.set(1));
    /// assert_eq!(ctx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.vars.as_ref().map_or(0, |vars| vars.len())
    }

    /// True when no variable is set in this context.
    ///
    /// ```
    /// assert!(weft_executor::context::Context::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of this context (asyncio's `Context.copy`): the same values, changed
    /// independently from now on. O(1).
    ///
    /// ```
    /// use weft_executor::context::{Context, ContextVar};
    /// static A: ContextVar<u8> = ContextVar::new("a");
    /// let mut first = Context::new();
    /// first.run(|| A.set(1));
    /// let mut second = first.copy();
    /// second.run(|| A.set(2));
    /// assert_eq!((first.get(&A), second.get(&A)), (Some(1), Some(2)));
    /// ```
    pub fn copy(&self) -> Context {
        Context {
            vars: self.vars.as_ref().map(|vars| Arc::new(vars.copy())),
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("vars", &self.len())
            .finish_non_exhaustive()
    }
}

/// A copy of the context current on this thread (asyncio's `contextvars.copy_context()`):
/// inside a task, the task's context; elsewhere, the thread's own. O(1).
///
/// ```
/// use weft_executor::context::{ContextVar, copy_context};
/// static REQUEST_ID: ContextVar<u64> = ContextVar::new("request_id");
/// weft_executor::run(async {
///     REQUEST_ID.set(7);
///     let mut ctx = copy_context();
///     // Hand `ctx` to a plain thread: code run in it sees the task's values.
///     let seen = std::thread::spawn(move || ctx.run(|| REQUEST_ID.get())).join().unwrap();
///     assert_eq!(seen, Some(7));
/// });
/// ```
pub fn copy_context() -> Context {
    let vars = crate::task::current::with_context(|slot| {
        let vars = slot.take();
        let copy = vars.as_ref().map(|vars| Arc::new(vars.copy()));
        slot.set(vars);
        copy
    });
    Context {
        vars: vars.flatten(),
    }
}
