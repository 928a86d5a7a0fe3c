//! Subprocesses: output capture, stdin piping, kill, concurrent children, exit codes
//! (asyncio test_subprocess: test_communicate, test_kill, test_subprocess_concurrent_wait).

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
