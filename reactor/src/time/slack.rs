//! Timed waits that end on time. Linux lets a thread's timed wait (`epoll_pwait2`, a futex
//! with a timeout, `nanosleep`) end up to its *timer slack* late, 50 µs by default, so that
//! the kernel can batch wake-ups to save power. A worker that sleeps in the reactor towards
//! the next timer would pay that on every sleep it ends: measured on a VM, a 1 ms
//! `weft::sleep` took 1.083 ms with the default slack and 1.046 ms with 1 ns. So the
//! executor's worker threads ask for the smallest slack; threads weft does not own keep
//! theirs.

/// Makes this thread's timed waits end as close to their deadline as the kernel can: on
/// Linux, sets the thread's timer slack to 1 ns (`PR_SET_TIMERSLACK`). Elsewhere it does
/// nothing. The executor calls it on each worker thread, the threads that sleep in the
/// reactor until the next timer is due.
///
/// ```
/// // At the start of a thread that will wait in a reactor for its timers:
/// weft_reactor::time::wake_on_time_on_this_thread();
/// ```
pub fn wake_on_time_on_this_thread() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_TIMERSLACK takes its value as the second argument and reads no
        // memory; it changes only the calling thread's slack. `prctl` is variadic and the
        // kernel reads every argument as an `unsigned long`, so each is passed as one. It cannot fail for a non-zero
        // value, and a failure would leave the default slack, which is harmless.
        unsafe {
            let unused: libc::c_ulong = 0;
            libc::prctl(
                libc::PR_SET_TIMERSLACK,
                1 as libc::c_ulong,
                unused,
                unused,
                unused,
            );
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_thread_asks_for_the_smallest_slack() {
        std::thread::spawn(|| {
            super::wake_on_time_on_this_thread();
            let unused: libc::c_ulong = 0;
            // SAFETY: PR_GET_TIMERSLACK reads no memory and returns the slack; the unused
            // arguments are `unsigned long`s, as the kernel reads them.
            let slack =
                unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, unused, unused, unused, unused) };
            assert_eq!(slack, 1);
        })
        .join()
        .unwrap();
    }
}
