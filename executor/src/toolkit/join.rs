//! `join!` and `try_join!`: run several futures concurrently on the calling task.
//!
//! Nothing is spawned (that is [`gather!`](crate::gather!)'s job): each future is wrapped in a
//! [`MaybeDone`], pinned on the caller's stack, and the expansion polls every member that is
//! not done yet each time the caller's task is woken, until all are done (or, for
//! `try_join!`, one returns `Err`). Members may borrow locals and need not be `Send`. The
//! cost is one poll of each unfinished member per wake-up: fine for a handful of futures; for
//! hundreds, spawn them ([`gather`](crate::gather()), `JoinSet`).
//!
//! The macros pick members out of a tuple by position with `_` patterns, as `gather!` does,
//! so they take any number of futures and need no proc macro.

use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// One `join!` member: its future, then its output until the macro takes it.
    #[doc(hidden)]
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneReplace]
    #[derive(Debug)]
    pub enum MaybeDone<F: Future> {
        Running { #[pin] future: F },
        Done { output: F::Output },
        Taken,
    }
}

impl<F: Future> MaybeDone<F> {
    #[doc(hidden)]
    pub fn new(future: F) -> Self {
        MaybeDone::Running { future }
    }

    /// Polls the future if it is still running; true once it has an output.
    #[doc(hidden)]
    pub fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let output = match self.as_mut().project() {
            MaybeDoneProj::Running { future } => match future.poll(cx) {
                Poll::Ready(output) => output,
                Poll::Pending => return false,
            },
            _ => return true,
        };
        // The future is dropped here, as soon as it is done, not with the whole `join!`.
        self.project_replace(MaybeDone::Done { output });
        true
    }

    /// The output; only after `poll_done` returned true, and once.
    #[doc(hidden)]
    pub fn take(self: Pin<&mut Self>) -> F::Output {
        match self.project_replace(MaybeDone::Taken) {
            MaybeDoneReplace::Done { output } => output,
            _ => unreachable!("join! takes each output once, after it is done"),
        }
    }
}

impl<F, T, E> MaybeDone<F>
where
    F: Future<Output = Result<T, E>>,
{
    /// `poll_done` for `try_join!`: `Err` as soon as the member fails (its error moves out;
    /// the member is then `Taken`).
    #[doc(hidden)]
    pub fn poll_try_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Result<bool, E> {
        if !self.as_mut().poll_done(cx) {
            return Ok(false);
        }
        if let MaybeDoneProj::Done { output: Err(_) } = self.as_mut().project() {
            match self.project_replace(MaybeDone::Taken) {
                MaybeDoneReplace::Done { output: Err(err) } => return Err(err),
                _ => unreachable!("just matched a failed member"),
            }
        }
        Ok(true)
    }

    /// The value of a member that finished with `Ok`.
    #[doc(hidden)]
    pub fn take_ok(self: Pin<&mut Self>) -> T {
        match self.take() {
            Ok(value) => value,
            Err(_) => unreachable!("try_join! returns at the first error"),
        }
    }
}

/// Runs futures concurrently on the current task and waits for all of them; evaluates to the
/// tuple of their outputs, in argument order. Must be used inside `async` code.
///
/// Nothing is spawned: the futures run interleaved on the calling task (as in asyncio, unlike
/// [`gather!`](crate::gather!), whose members are parallel tasks), so they may borrow locals
/// and need not be `Send`. A finished member's future is dropped at once; dropping the
/// enclosing future drops every member still running.
///
/// ```
/// use std::time::Duration;
///
/// let (a, b, c) = weft_executor::run(async {
///     let name = String::from("weft");
///     let name = &name; // members may borrow
///     weft_executor::join!(
///         async {
///             weft_reactor::sleep(Duration::from_millis(2)).await;
///             name.len()
///         },
///         async { name.to_uppercase() },
///         async { 3.5 },
///     )
/// });
/// println!("{a} {b} {c}");
/// assert_eq!((a, b.as_str(), c), (4, "WEFT", 3.5));
/// ```
#[macro_export]
macro_rules! join {
    ($($future:expr),+ $(,)?) => {
        $crate::__join_munch!(join [] [] $($future,)+)
    };
}

/// Like [`join!`], for futures that return `Result<_, E>` (one `E` for all): evaluates to
/// `Ok` with the tuple of values once all succeed, or to the first `Err` — first in time —
/// as soon as it happens, dropping the members still running.
///
/// ```
/// let out = weft_executor::run(async {
///     weft_executor::try_join!(
///         async { Ok::<_, String>(1) },
///         async { Err::<u8, _>("no such file".to_string()) },
///         std::future::pending::<Result<u8, String>>(), // dropped by the error
///     )
/// });
/// assert_eq!(out, Err("no such file".to_string()));
///
/// let all = weft_executor::run(async {
///     weft_executor::try_join!(async { Ok::<_, ()>(1) }, async { Ok("two") })
/// });
/// assert_eq!(all, Ok((1, "two")));
/// ```
#[macro_export]
macro_rules! try_join {
    ($($future:expr),+ $(,)?) => {
        $crate::__join_munch!(try_join [] [] $($future,)+)
    };
}

/// Implementation detail of [`join!`] and [`try_join!`]: pairs each future with the `_`
/// patterns that skip the members before it, then expands the chosen flavour.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_munch {
    ($kind:ident [$($done:tt)*] [$($acc:tt)*] $future:expr, $($rest:expr,)*) => {
        $crate::__join_munch!($kind [$($done)* _] [$($acc)* ([$($done)*] $future)] $($rest,)*)
    };
    (join [$($done:tt)*] [$(([$($skip:tt)*] $future:expr))*]) => {{
        let mut members = ($(::core::pin::pin!($crate::__join_support::MaybeDone::new($future)),)*);
        ::core::future::poll_fn(|cx: &mut ::core::task::Context<'_>| {
            let mut all_done = true;
            $({
                let ($($skip,)* member, ..) = &mut members;
                all_done &= member.as_mut().poll_done(cx);
            })*
            if all_done {
                ::core::task::Poll::Ready(($({
                    let ($($skip,)* member, ..) = &mut members;
                    member.as_mut().take()
                },)*))
            } else {
                ::core::task::Poll::Pending
            }
        })
        .await
    }};
    (try_join [$($done:tt)*] [$(([$($skip:tt)*] $future:expr))*]) => {{
        let mut members = ($(::core::pin::pin!($crate::__join_support::MaybeDone::new($future)),)*);
        ::core::future::poll_fn(|cx: &mut ::core::task::Context<'_>| {
            let mut all_done = true;
            $({
                let ($($skip,)* member, ..) = &mut members;
                match member.as_mut().poll_try_done(cx) {
                    ::core::result::Result::Ok(done) => all_done &= done,
                    ::core::result::Result::Err(err) => {
                        return ::core::task::Poll::Ready(::core::result::Result::Err(err));
                    }
                }
            })*
            if all_done {
                ::core::task::Poll::Ready(::core::result::Result::Ok(($({
                    let ($($skip,)* member, ..) = &mut members;
                    member.as_mut().take_ok()
                },)*)))
            } else {
                ::core::task::Poll::Pending
            }
        })
        .await
    }};
}
