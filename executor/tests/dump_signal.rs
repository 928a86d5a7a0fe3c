//! `Builder::dump_on_signal`: sending the signal to this test process prints the task tree,
//! with wait points, and the metrics on stderr. Alone in its binary because it points file
//! descriptor 2 at a pipe to read what the dump wrote.
#![cfg(unix)]

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, mpsc};
use std::time::Duration;
use weft_executor::runtime::SignalKind;

const SOURCE: &str = include_str!("dump_signal.rs");

/// Points fd 2 at a pipe until dropped; everything written there is sent on a channel.
struct CapturedStderr {
    saved: OwnedFd,
    text: mpsc::Receiver<String>,
}

impl CapturedStderr {
    fn start() -> CapturedStderr {
        let (reader, writer) = std::io::pipe().unwrap();
        // SAFETY: dup(2) of fd 2, which is open for the life of the process; the new fd is
        // owned by the returned `OwnedFd` alone.
        let saved = unsafe { OwnedFd::from_raw_fd(libc::dup(2)) };
        // SAFETY: both fds are open; dup2 atomically replaces fd 2 with the pipe's write end.
        assert_eq!(unsafe { libc::dup2(writer.as_raw_fd(), 2) }, 2);
        drop(writer); // fd 2 keeps the write end open
        let (tx, text) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = reader;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0
                    || tx
                        .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                        .is_err()
                {
                    break;
                }
            }
        });
        CapturedStderr { saved, text }
    }

    /// Collects what was written until `done` holds for it (hang guard: 30 s).
    fn until(&self, done: impl Fn(&str) -> bool) -> String {
        let mut all = String::new();
        while !done(&all) {
            match self.text.recv_timeout(Duration::from_secs(30)) {
                Ok(more) => all.push_str(&more),
                Err(_) => break,
            }
        }
        all
    }
}

impl Drop for CapturedStderr {
    fn drop(&mut self) {
        // SAFETY: both fds are open; this puts the original stderr back on fd 2 (and closes
        // the pipe's last write end, ending the reader thread).
        unsafe { libc::dup2(self.saved.as_raw_fd(), 2) };
    }
}

#[test]
fn the_signal_prints_the_task_tree_with_wait_points_and_the_metrics() {
    let rt = weft_executor::Builder::new()
        .worker_threads(2)
        .dump_on_signal(SignalKind::user_defined1())
        .build()
        .unwrap();
    let event = Arc::new(weft_sync::Event::new());
    let e = event.clone();
    let stuck =
        weft_executor::task::Builder::new()
            .name("stuck")
            .spawn_on(rt.handle(), async move {
                e.wait().await; // the dump shows this line
            });
    // Wait until the task is parked on the event, so the dump has a wait point to show.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !rt.handle().tasks().iter().any(|t| t.waiting_on().is_some()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never waited"
        );
        std::thread::sleep(Duration::from_millis(1));
    }

    let stderr = CapturedStderr::start();
    // SAFETY: kill(2) of our own pid with a signal weft has a handler for.
    assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) }, 0);
    let line = weft_test_support::marked_line(SOURCE, "the dump shows this line");
    let wait = format!("waiting on Event at {}:{line}", file!());
    let dump = stderr.until(|text| text.contains("worker 1:"));
    drop(stderr);

    assert!(dump.contains("weft: dump on SIGUSR1"), "{dump}");
    assert!(dump.contains("└─ stuck [Idle]"), "{dump}");
    assert!(dump.contains(&wait), "{dump}");
    assert!(dump.contains("2 workers"), "{dump}");
    assert!(dump.contains("worker 0:"), "{dump}");

    event.set();
    rt.block_on(stuck).unwrap();
}
