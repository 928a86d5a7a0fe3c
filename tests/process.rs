//! Subprocesses: output capture, stdin piping, kill, concurrent children, exit codes
//! (asyncio test_subprocess: test_communicate, test_kill, test_subprocess_concurrent_wait).
//!
//! CI runs this file twice: as is (on Linux, exit is watched with pidfds) and with
//! `WEFT_PROCESS_REAPER=sigchld`, which forces the portable SIGCHLD path that macOS and the
//! BSDs use; `the_exit_watch_is_the_configured_one` proves which path a run exercised.
//!
//! Unix-only: it runs Unix commands and signals; Windows has `process_windows.rs`.
#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;
use weft::process::{Command, Stdio};

#[test]
fn output_captures_stdout_stderr_and_status() {
    weft::run(async {
        let out = Command::new("sh")
            .args(["-c", "printf out; printf err >&2; exit 4"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"out");
        assert_eq!(out.stderr, b"err");
        assert_eq!(out.status.code(), Some(4));
    });
}

/// test_communicate: data written to stdin comes back on stdout.
#[test]
fn stdin_is_piped_through_and_eof_ends_the_child() {
    weft::run(async {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        // More than a pipe buffer, written while the output is read concurrently.
        let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let expected = payload.clone();
        let writer = weft::spawn(async move {
            stdin.write_all(&payload).await.unwrap();
            stdin.close();
        });
        let mut got = Vec::new();
        stdout.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert_eq!(got, expected);
        assert!(child.wait().await.unwrap().success());
    });
}

/// test_kill: the return code reports SIGKILL.
#[test]
fn kill_reports_the_signal() {
    weft::run(async {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        assert!(child.try_wait().unwrap().is_none());
        child.kill().unwrap();
        let status = weft::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("exit seen")
            .unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    });
}

/// test_subprocess_concurrent_wait: many children awaited at once from many tasks, without
/// a thread per child.
#[test]
fn many_children_are_awaited_concurrently() {
    weft::run(async {
        let codes = weft::gather((0..32).map(|i| async move {
            let mut child = Command::new("sh")
                .args(["-c", &format!("exit {}", i % 7)])
                .spawn()
                .unwrap();
            child.wait().await.unwrap().code()
        }))
        .await;
        assert_eq!(codes, (0..32).map(|i| Some(i % 7)).collect::<Vec<_>>());
    });
}

#[test]
fn a_missing_program_is_an_error_value() {
    weft::run(async {
        let err = Command::new("/definitely/not/here").spawn().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
}

#[test]
fn kill_on_drop_kills_a_running_child() {
    weft::run(async {
        let child = Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pid = child.id() as libc::pid_t;
        drop(child);
        // The child was killed and reaped on drop: signalling it now fails with ESRCH.
        // SAFETY: signal 0 only checks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        assert!(!alive, "the child outlived its dropped handle");
    });
}

/// Whether this run forces the portable SIGCHLD exit watch.
fn sigchld_forced() -> bool {
    std::env::var_os("WEFT_PROCESS_REAPER").is_some_and(|v| v == "sigchld")
}

/// Whether the kernel hands out pidfds to this process (the probe is Linux-only).
fn pidfds_work() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: pidfd_open of our own pid touches no memory; the fd is closed below.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) };
        if fd >= 0 {
            // SAFETY: `fd` is the descriptor just opened, owned by nobody else.
            unsafe { libc::close(fd as i32) };
        }
        fd >= 0
    }
    #[cfg(not(target_os = "linux"))]
    false
}

#[test]
fn the_exit_watch_is_the_configured_one() {
    weft::run(async {
        let mut child = Command::new("true").spawn().unwrap();
        let expected = if !sigchld_forced() && pidfds_work() {
            "pidfd"
        } else {
            "sigchld"
        };
        assert_eq!(child.exit_watch(), expected);
        assert!(child.wait().await.unwrap().success());
    });
}

/// weft reaps only the children it started: a child spawned with std, already exited (a
/// zombie) while weft children come and go, is still there for its owner to reap. A
/// `waitpid(-1)` reaper would have taken its status.
#[test]
fn children_weft_did_not_start_are_left_to_their_owner() {
    let mut foreign = std::process::Command::new("sh")
        .args(["-c", "exit 3"])
        .spawn()
        .unwrap();
    // Block until it has exited, without reaping it (WNOWAIT).
    // SAFETY: `info` is a valid out-pointer for the call; zeroed is a valid siginfo_t.
    let rc = unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        libc::waitid(
            libc::P_PID,
            foreign.id() as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        )
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    weft::run(async {
        let codes = weft::gather((0..8).map(|i| async move {
            let status = Command::new("sh")
                .args(["-c", &format!("exit {i}")])
                .status()
                .await
                .unwrap();
            status.code()
        }))
        .await;
        assert_eq!(codes, (0..8).map(Some).collect::<Vec<_>>());
    });
    let status = foreign
        .try_wait()
        .expect("the foreign child was reaped by someone else")
        .expect("it has exited");
    assert_eq!(status.code(), Some(3));
}

/// A child whose exit is awaited while another task listens for SIGCHLD itself: both see it.
#[test]
fn a_user_sigchld_listener_and_child_waits_coexist() {
    weft::run(async {
        let mut sigchld =
            weft::signal::signal(weft::signal::SignalKind::from_raw(libc::SIGCHLD)).unwrap();
        let mut child = Command::new("true").spawn().unwrap();
        let status = weft::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("exit seen")
            .unwrap();
        assert!(status.success());
        weft::timeout(Duration::from_secs(10), sigchld.recv())
            .await
            .expect("the user's listener saw SIGCHLD too");
    });
}
