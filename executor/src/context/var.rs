//! `ContextVar<T>`: a typed key into the current context, and the `Token` that undoes a set.
//!
//! A variable is a name, an optional default and a key. The key is drawn from a counter the
//! first time the variable is used rather than at construction, so that `ContextVar::new` is
//! a `const fn` and variables can be `static`s, as they usually are (asyncio: module-level
//! `ContextVar`s). Values are stored type-erased; only this variable's methods read its key,
//! always as its `T`.

use super::vars::{Value, Vars, next_id};
use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A context variable (asyncio's `contextvars.ContextVar`): a value per context, inherited by
/// the tasks, callbacks and blocking jobs scheduled from it.
///
/// ```
/// use weft_executor::context::ContextVar;
/// static REQUEST_ID: ContextVar<u64> = ContextVar::new("request_id");
///
/// weft_executor::run(async {
///     REQUEST_ID.set(42);
///     let child = weft_executor::spawn(async {
///         let inherited = REQUEST_ID.get();
///         REQUEST_ID.set(43); // changes the child's copy only
///         inherited
///     });
///     assert_eq!(child.await.unwrap(), Some(42));
///     assert_eq!(REQUEST_ID.get(), Some(42));
///     println!("request {}", REQUEST_ID.get().unwrap());
/// });
/// ```
pub struct ContextVar<T> {
    name: &'static str,
    default: Option<T>,
    /// 0 until first used; then this variable's key in every context.
    key: AtomicU64,
}

impl<T> fmt::Debug for ContextVar<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextVar")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> ContextVar<T> {
    /// A variable with no default: [`get`](Self::get) is `None` until it is set.
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// static TENANT: ContextVar<String> = ContextVar::new("tenant");
    /// assert_eq!(TENANT.get(), None);
    /// ```
    pub const fn new(name: &'static str) -> ContextVar<T> {
        ContextVar {
            name,
            default: None,
            key: AtomicU64::new(0),
        }
    }

    /// A variable that reads as `default` wherever it is not set.
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// static RETRIES: ContextVar<u32> = ContextVar::with_default("retries", 3);
    /// assert_eq!(RETRIES.get(), Some(3));
    /// ```
    pub const fn with_default(name: &'static str, default: T) -> ContextVar<T> {
        ContextVar {
            name,
            default: Some(default),
            key: AtomicU64::new(0),
        }
    }

    /// The variable's name.
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// assert_eq!(ContextVar::<u8>::new("depth").name(), "depth");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// This variable's key, drawn on first use (two threads racing agree on one).
    fn key(&self) -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let key = self.key.load(Ordering::Acquire);
        if key != 0 {
            return key;
        }
        let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
        match self
            .key
            .compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => fresh,
            Err(won) => won,
        }
    }

    /// Calls `f` with this variable's value in `vars` (or its default).
    pub(super) fn read<R>(&self, vars: Option<&Vars>, f: impl FnOnce(Option<&T>) -> R) -> R {
        let set = vars
            .and_then(|vars| vars.get(self.key()))
            .and_then(|value| value.downcast_ref::<T>());
        f(set.or(self.default.as_ref()))
    }

    /// Calls `f` with the value in the current context, without cloning it.
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// static PATH: ContextVar<Vec<&str>> = ContextVar::new("path");
    /// PATH.set(vec!["api", "users"]);
    /// assert_eq!(PATH.with(|path| path.map_or(0, Vec::len)), 2);
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        // Hold our own reference to the map while `f` runs: `f` may set variables itself.
        let vars = current();
        self.read(vars.as_deref(), f)
    }

    /// The value in the current context: the task's, or outside tasks the thread's; the
    /// default (or `None`) where it is not set.
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// static NAME: ContextVar<&str> = ContextVar::new("name");
    /// assert_eq!(NAME.get(), None);
    /// NAME.set("x");
    /// assert_eq!(NAME.get(), Some("x"));
    /// ```
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.with(|value| value.cloned())
    }

    /// Sets the value in the current context and returns a [`Token`] that
    /// [`reset`](Self::reset) takes to restore the previous value. Tasks, callbacks and
    /// blocking jobs scheduled after this see the new value; ones scheduled before do not.
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// static MODE: ContextVar<&str> = ContextVar::new("mode");
    /// let token = MODE.set("fast");
    /// assert_eq!(token.old_value(), None);
    /// assert_eq!(MODE.get(), Some("fast"));
    /// ```
    pub fn set(&self, value: T) -> Token<T> {
        let value: Value = Arc::new(value);
        let (context, old) = replace(self.key(), Some(value));
        Token {
            var: self.key(),
            var_name: self.name,
            context,
            old,
            _type: PhantomData,
        }
    }

    /// Restores the value this variable had before the [`set`](Self::set) that made
    /// `token` (unset, if it was unset).
    ///
    /// # Errors
    ///
    /// [`ResetError`] when `token` was made by another variable, or in another context (a
    /// token from a parent task used in a child, say); nothing is changed then.
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// static LEVEL: ContextVar<u8> = ContextVar::with_default("level", 0);
    /// let first = LEVEL.set(1);
    /// let _second = LEVEL.set(2);
    /// LEVEL.reset(first).unwrap(); // back to before the first set
    /// assert_eq!(LEVEL.get(), Some(0));
    ///
    /// static OTHER: ContextVar<u8> = ContextVar::new("other");
    /// let token = OTHER.set(5);
    /// let err = LEVEL.reset(token).unwrap_err();
    /// assert!(err.to_string().contains("other"));
    /// ```
    pub fn reset(&self, token: Token<T>) -> Result<(), ResetError> {
        if token.var != self.key() {
            return Err(ResetError {
                var: self.name,
                token_var: token.var_name,
                wrong_context: false,
            });
        }
        let current = current_id();
        if current != Some(token.context) {
            return Err(ResetError {
                var: self.name,
                token_var: token.var_name,
                wrong_context: true,
            });
        }
        replace(token.var, token.old);
        Ok(())
    }
}

/// The current context's map, shared (an `Arc` clone), if any.
fn current() -> Option<Arc<Vars>> {
    crate::task::current::with_context(|slot| {
        let vars = slot.take();
        let shared = vars.clone();
        slot.set(vars);
        shared
    })
    .flatten()
}

/// The identity of the current context, if it has one yet.
fn current_id() -> Option<NonZeroU64> {
    current().map(|vars| vars.id)
}

/// Sets (or unsets) `key` in the current context; returns the context's identity (given one
/// now if it had none) and the value it replaced.
fn replace(key: u64, value: Option<Value>) -> (NonZeroU64, Option<Value>) {
    crate::task::current::with_context(|slot| {
        let vars = slot.take();
        let id = vars.as_ref().map_or_else(next_id, |vars| vars.id);
        let old = vars.as_ref().and_then(|vars| vars.get(key)).cloned();
        slot.set(Some(Arc::new(Vars::with(vars.as_deref(), id, key, value))));
        // The old map may hold the last reference to some value: drop it after the slot is
        // consistent again (its `Drop` is user code and may read variables).
        (id, old, vars)
    })
    .map(|(id, old, vars)| {
        drop(vars);
        (id, old)
    })
    .expect("context variables are unavailable while this thread's locals are destroyed")
}

/// Undoes one [`ContextVar::set`]: give it to [`ContextVar::reset`] (asyncio's `Token`).
///
/// ```
/// use weft_executor::context::ContextVar;
/// static COLOR: ContextVar<&str> = ContextVar::new("color");
/// COLOR.set("red");
/// let token = COLOR.set("blue");
/// assert_eq!(token.old_value(), Some(&"red"));
/// COLOR.reset(token).unwrap();
/// assert_eq!(COLOR.get(), Some("red"));
/// ```
pub struct Token<T> {
    var: u64,
    var_name: &'static str,
    context: NonZeroU64,
    old: Option<Value>,
    _type: PhantomData<fn() -> T>,
}

impl<T: 'static> Token<T> {
    /// The value the variable had before the set (`None`: it was not set; asyncio's
    /// `Token.MISSING`).
    ///
    /// ```
    /// use weft_executor::context::ContextVar;
    /// static N: ContextVar<i32> = ContextVar::new("n");
    /// let first = N.set(1);
    /// assert_eq!(first.old_value(), None);
    /// assert_eq!(N.set(2).old_value(), Some(&1));
    /// ```
    pub fn old_value(&self) -> Option<&T> {
        self.old
            .as_ref()
            .and_then(|value| value.downcast_ref::<T>())
    }
}

impl<T> fmt::Debug for Token<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("var", &self.var_name)
            .field("had_value", &self.old.is_some())
            .finish()
    }
}

/// [`ContextVar::reset`] was given a token it cannot honour: nothing was changed.
///
/// ```
/// use weft_executor::context::ContextVar;
/// static A: ContextVar<u8> = ContextVar::new("a");
/// static B: ContextVar<u8> = ContextVar::new("b");
/// let err = B.reset(A.set(1)).unwrap_err();
/// assert!(!err.is_wrong_context());
/// println!("{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetError {
    var: &'static str,
    token_var: &'static str,
    wrong_context: bool,
}

impl ResetError {
    /// True when the token belongs to this variable but was made in another context (another
    /// task, another `Context::run`); false when it was made by another variable.
    ///
    /// ```
    /// use weft_executor::context::{Context, ContextVar};
    /// static A: ContextVar<u8> = ContextVar::new("a");
    /// let token = Context::new().run(|| A.set(1));
    /// assert!(A.reset(token).unwrap_err().is_wrong_context());
    /// ```
    pub fn is_wrong_context(&self) -> bool {
        self.wrong_context
    }
}

impl fmt::Display for ResetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wrong_context {
            write!(
                f,
                "cannot reset context variable `{}`: the token was created in a different \
                 context (another task or Context::run); reset it where it was set",
                self.var
            )
        } else {
            write!(
                f,
                "cannot reset context variable `{}` with a token of variable `{}`: pass the \
                 token to the variable whose set() returned it",
                self.var, self.token_var
            )
        }
    }
}

impl std::error::Error for ResetError {}
