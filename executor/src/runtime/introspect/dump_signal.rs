//! [`Builder::dump_on_signal`](crate::Builder::dump_on_signal): print the task tree and the
//! metrics to stderr when the process gets a signal — asyncio's `ps` for a live process you
//! cannot attach to.
//!
//! The dump is made on a thread of its own, not by a task: the program that needs a dump is
//! often one whose workers are all stuck (a blocking call, a deadlock), and a task would never
//! run. The thread waits on the signal hub's self-pipe through a private reactor, so it costs
//! nothing between signals; each wake-up drains the pipe (which wakes every other listener of
//! any signal, see the hub) and dumps if its signal's delivery count moved. It holds the
//! runtime weakly and stops when the runtime shuts down (dropping the [`DumpThread`]) or is
//! gone.
//!
//! The text goes straight to file descriptor 2 in one write, bypassing the test harness's
//! output capture, so it lands where the operator looks even inside `cargo test`.

use crate::runtime::Inner;
use std::io::{self, PipeReader, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::task::Context;
use std::thread::JoinHandle;
use weft_reactor::sys::signal::{self as hub, SignalKind};
use weft_reactor::{Async, Reactor};

/// The running dump thread of one runtime.
pub(crate) struct DumpThread {
    reactor: Arc<Reactor>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DumpThread {
    /// Installs the handler for `kind` and starts the thread that dumps `runtime` on each
    /// delivery.
    pub(crate) fn start(kind: SignalKind, runtime: Weak<Inner>) -> io::Result<DumpThread> {
        hub::listen(kind)?;
        let reactor = Arc::new(Reactor::new()?);
        let pipe = Async::with_reactor(hub::pipe_reader()?, &reactor)?;
        let stopping = Arc::new(AtomicBool::new(false));
        let watch = Watch {
            kind,
            seen: hub::deliveries(kind.as_raw()),
            pipe,
            reactor: reactor.clone(),
            stopping: stopping.clone(),
            runtime,
        };
        let thread = std::thread::Builder::new()
            .name("weft-dump-signal".into())
            .spawn(move || watch.run())?;
        Ok(DumpThread {
            reactor,
            stopping,
            thread: Some(thread),
        })
    }
}

impl Drop for DumpThread {
    /// Stops the thread and waits for it (it runs no user code, so it is never the caller).
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.reactor.notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the dump thread owns.
struct Watch {
    kind: SignalKind,
    /// The delivery count of the last dump.
    seen: usize,
    pipe: Async<PipeReader>,
    reactor: Arc<Reactor>,
    stopping: Arc<AtomicBool>,
    runtime: Weak<Inner>,
}

impl Watch {
    fn run(mut self) {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        while !self.stopping.load(Ordering::SeqCst) {
            // `WouldBlock` (someone else drained first) is fine: the counter tells.
            let _ = hub::drain(self.pipe.get_ref());
            let count = hub::deliveries(self.kind.as_raw());
            if count != self.seen {
                self.seen = count;
                let Some(runtime) = self.runtime.upgrade() else {
                    return;
                };
                write_dump(&runtime, self.kind);
            }
            // Registers interest in the pipe; the turn below then returns when it turns
            // readable, or on `stop`'s notify.
            if self.pipe.poll_readable(&mut cx).is_pending() {
                self.reactor.turn(None);
            }
        }
    }
}

/// The dump: a header, the task tree with wait points, and the metrics, in one write.
fn write_dump(runtime: &Arc<Inner>, kind: SignalKind) {
    let handle = crate::Handle {
        inner: runtime.clone(),
    };
    let text = format!(
        "weft: dump on {kind} (pid {})\n{}{}",
        std::process::id(),
        handle.dump_tasks(),
        handle.metrics(),
    );
    let _ = io::stderr().lock().write_all(text.as_bytes());
}
