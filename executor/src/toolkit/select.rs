//! `select!`: wait for the first of several futures, in place, on the calling task.
//!
//! Unlike the spawning combinators of this module, nothing here becomes a task: the branch
//! futures are pinned on the caller's stack and polled by the caller's task, so they may
//! borrow locals and need not be `Send`. The expansion is a proc macro
//! (`weft_macros::select_impl`, see its module docs for why a `macro_rules!` cannot test
//! patterns correctly in edition 2024); this `macro_rules!` wrapper only hands it the
//! `$crate` path, so the expansion finds [`random_start`] wherever weft is re-exported.
//!
//! The start of the polling round is random so that no branch that is always ready starves
//! the others; the generator is a per-thread xorshift (one thread-local read and write per
//! `select!` poll, no allocation, no lock).

use std::cell::Cell;

/// Waits on several futures at once and runs the body of the first one to finish whose
/// output matches its pattern; the others are dropped (tokio's `select!`).
///
/// ```text
/// select! {
///     [biased;]
///     pattern = future => body,
///     ...
///     [else => body,]
/// }
/// ```
///
/// * Every future expression is evaluated first, in order; the futures are pinned on the
///   stack, so they may borrow locals and need be neither `Send` nor `Unpin`, and polled on
///   the current task: nothing is spawned.
/// * Each poll starts at a random branch, so a branch that is always ready cannot starve the
///   others; `biased;` first polls in the order written instead (a shutdown signal first,
///   say).
/// * A future that finishes with an output its pattern does not match *disables* its branch,
///   and the others go on. When every branch is disabled, the `else` body runs; without an
///   `else`, `select!` panics.
/// * Every branch future, the winner's included, is dropped before the winning body runs, so
///   the body may use what the futures borrowed. `break`, `continue`, `return` and `?` in a
///   body act on the code around the `select!`. Up to 64 branches.
///
/// ```
/// use std::time::Duration;
/// use weft_sync::mpsc;
///
/// weft_executor::run(async {
///     let (tx, mut rx) = mpsc::channel::<u32>(4);
///     tx.send(7).await.unwrap();
///     let mut ticks = 0;
///     let got = loop {
///         weft_executor::select! {
///             Some(n) = rx.recv() => break n,
///             _ = weft_reactor::sleep(Duration::from_millis(1)) => ticks += 1,
///         }
///     };
///     println!("got {got} after {ticks} ticks");
///     assert_eq!(got, 7);
/// });
/// ```
///
/// A branch whose pattern does not match steps aside, and `else` catches the case where all
/// did:
///
/// ```
/// weft_executor::run(async {
///     let picked = weft_executor::select! {
///         Some(x) = async { None::<u8> } => x,
///         Ok(y) = async { Err::<u8, ()>(()) } => y,
///         else => 0,
///     };
///     assert_eq!(picked, 0);
/// });
/// ```
///
/// # Cancel safety
///
/// When one branch wins, the others' futures are dropped mid-flight, exactly as if their
/// task had been cancelled at that await point. In a loop, a branch future that loses is
/// created anew on the next turn, so only *cancel-safe* futures belong there: ones that
/// lose nothing when dropped before they finish.
///
/// <div class="warning">
///
/// A future that is not cancel-safe loses work when its branch loses: `read_exact` into a
/// buffer keeps the bytes it read so far in the dropped future, and a `send` of an owned
/// value drops the value with the future. Create such a future once, outside the loop, pin
/// it (`std::pin::pin!`) and select on `&mut fut`, or restructure so the lossy step runs
/// after the `select!`.
///
/// </div>
///
/// Cancel-safe in weft:
///
/// * [`Task`](crate::Task) (awaiting `&mut task`): dropping the wait leaves the task running
///   and its output in place; dropping a `Task` detaches it.
/// * `weft::sleep`, `sleep_until`, `Interval::tick`, and `timeout` (the timeout itself;
///   whatever it wraps keeps its own cancel safety).
/// * `weft::sync`'s `Lock::lock`, `Semaphore::acquire`, `Event::wait`, `Condition::wait`,
///   `Barrier::wait`, `Notify::notified`, `CancellationToken::cancelled`, `RwLock`: a waiter
///   dropped before its turn leaves the queue, one dropped after being granted passes the
///   grant to the next waiter. `Queue::get` never loses an item.
/// * `mpsc` `Receiver::recv` and `recv_many`: a message leaves the channel only in the poll
///   that returns it. `oneshot::Receiver` (await `&mut rx`), `broadcast::Receiver::recv`
///   and `watch::Receiver::changed` likewise.
/// * `mpsc` `Sender::reserve` and `reserve_owned`: room granted to a dropped reservation
///   passes to the next sender.
///
/// Not cancel-safe in the sense that matters in a loop: `mpsc` `Sender::send(value)` and
/// `Queue::put(item)` keep the channel consistent (a dropped send sends nothing and gives its
/// room to the next sender) but the *value* is dropped with the future. In a `select!` loop,
/// `reserve()` in the branch and `permit.send(value)` in its body loses nothing.
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select_support::select_impl! { ($crate) $($tokens)* }
    };
}

/// Where `select!` starts its polling round: uniform in `0..branches`, from a per-thread
/// xorshift32 seeded once per thread.
#[doc(hidden)]
pub fn random_start(branches: u32) -> u32 {
    thread_local! {
        static STATE: Cell<u32> = const { Cell::new(0) };
    }
    STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            x = seed();
        }
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        state.set(x);
        // Lemire's multiply-shift: no division, and no bias worth the name for n ≤ 64.
        ((u64::from(x) * u64::from(branches)) >> 32) as u32
    })
}

/// A non-zero seed that differs between threads (std's per-thread hash keys).
fn seed() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_usize(0);
    (hasher.finish() as u32) | 1
}

#[cfg(test)]
mod tests {
    /// Every start position comes up, and none is out of range.
    #[test]
    fn random_start_covers_every_branch() {
        let mut seen = [0u32; 5];
        for _ in 0..5_000 {
            seen[super::random_start(5) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 500), "{seen:?}");
    }
}
