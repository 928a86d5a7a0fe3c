//! asyncio's whole subprocess API on weft: `communicate` (test_communicate,
//! test_communicate_ignore_broken_pipe), `terminate`/`send_signal`, `stderr=STDOUT`,
//! `create_subprocess_shell`, the pipes as asyncio streams, std `Command` parity, and
//! many short-lived children reaped with no zombie left.
//!
//! Like tests/process.rs, CI can run this file with `WEFT_PROCESS_REAPER=sigchld` to take the
//! portable exit watch.
//!
//! Unix-only: it runs Unix commands and signals; Windows has `process_windows.rs`.
#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;

use weft::io::{StreamReader, StreamWriter};
use weft::process::{Command, Stdio};
use weft::signal::SignalKind;
use weft_test_support::HangGuard;

/// Bytes that are not all alike, so a reordering or a lost chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

// ---- communicate ----

/// 10 MiB into `cat` and back: far beyond the 64 KiB pipe buffers, so writing stdin and
/// reading stdout must overlap or both sides block forever.
#[test]
fn communicate_moves_10_mib_through_cat_both_ways() {
    let _guard = HangGuard::new("communicate 10 MiB", 120);
    weft::run(async {
        let input = pattern(10 << 20);
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.communicate(Some(input.clone())).await.unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout.len(), input.len());
        assert!(out.stdout == input, "cat's output differs from its input");
        assert!(out.stderr.is_empty());
    });
}

/// stdout and stderr each far beyond a pipe buffer while stdin is still being written:
/// reading the two one after the other would deadlock.
#[test]
fn communicate_reads_stdout_and_stderr_concurrently() {
    let _guard = HangGuard::new("communicate stdout+stderr", 120);
    weft::run(async {
        let input = pattern(1 << 20);
        let mut child = Command::shell("tee /dev/stderr")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.communicate(Some(input.clone())).await.unwrap();
        assert!(out.status.success());
        assert!(out.stdout == input);
        assert!(out.stderr == input);
    });
}

/// test_communicate_ignore_broken_pipe: the child exits without reading a byte of a 1 MiB
/// input. The write fails with EPIPE, which `communicate` ignores: the output and status
/// come back.
#[test]
fn communicate_ignores_a_child_that_exits_before_reading_stdin() {
    let _guard = HangGuard::new("communicate broken pipe", 60);
    weft::run(async {
        let mut child = Command::shell("echo done; exit 3")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.communicate(Some(pattern(1 << 20))).await.unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"done\n");
    });
}

#[test]
fn communicate_without_input_closes_stdin_and_refuses_input_without_a_pipe() {
    let _guard = HangGuard::new("communicate misc", 60);
    weft::run(async {
        // `cat` exits only because communicate(None) closed its stdin.
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.communicate(None).await.unwrap();
        assert!(out.status.success() && out.stdout.is_empty());

        let mut child = Command::new("true").spawn().unwrap();
        let err = child.communicate(Some(b"x".to_vec())).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("stdin is not piped"), "{err}");
        assert!(child.wait().await.unwrap().success());
    });
}

// ---- terminate, send_signal, kill ----

#[test]
fn terminate_ends_a_child_with_sigterm() {
    let _guard = HangGuard::new("terminate", 60);
    weft::run(async {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        child.terminate().unwrap();
        assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGTERM));
        // Once it has exited, signalling is a no-op rather than an error.
        child.terminate().unwrap();
        child.send_signal(SignalKind::hangup()).unwrap();
    });
}

/// A child that ignores SIGTERM survives `terminate`, proven by answering after it, and
/// `kill` still ends it. The shell's ignore is inherited across `exec`, so `sleep` ignores
/// SIGTERM too.
#[test]
fn a_child_that_traps_sigterm_survives_terminate_and_dies_of_kill() {
    let _guard = HangGuard::new("terminate trapped", 60);
    weft::run(async {
        let mut child = Command::shell(
            r#"trap "" TERM; echo ready; read line; echo "survived $line"; exec sleep 30"#,
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
        let mut stdout = StreamReader::new(child.stdout.take().unwrap());
        let stdin = StreamWriter::new(child.stdin.take().unwrap()).unwrap();
        // The trap is in place once the child says so.
        assert_eq!(stdout.readline().await.unwrap(), b"ready\n");
        child.terminate().unwrap();
        // kill(2) has returned, so a SIGTERM with its default action would already have
        // ended the child: it could not read this line and answer.
        stdin.write(b"go\n").unwrap();
        assert_eq!(stdout.readline().await.unwrap(), b"survived go\n");
        assert!(child.try_wait().unwrap().is_none());
        child.kill().unwrap();
        assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGKILL));
    });
}

#[test]
fn send_signal_delivers_the_given_signal() {
    let _guard = HangGuard::new("send_signal", 60);
    weft::run(async {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        child.send_signal(SignalKind::user_defined1()).unwrap();
        assert_eq!(child.wait().await.unwrap().signal(), Some(libc::SIGUSR1));
    });
}

// ---- many children, no zombie ----

/// The state letter and parent pid of `pid`, from /proc (None once the process is gone).
fn state_and_ppid(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) S ppid ...`: comm may hold spaces and parentheses; the last ')' ends it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// 500 short-lived children at once, each awaited by its own task: every one is reaped.
/// Only this test's pids are checked, so other tests' children in flight do not count.
#[test]
fn five_hundred_concurrent_children_leave_no_zombie() {
    let _guard = HangGuard::new("500 children", 120);
    let pids = weft::run(async {
        weft::gather((0..500).map(|_| async {
            let mut child = Command::new("true").spawn().unwrap();
            let pid = child.id();
            assert!(child.wait().await.unwrap().success());
            pid
        }))
        .await
    });
    let me = std::process::id();
    let zombies: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|&pid| matches!(state_and_ppid(pid), Some(('Z', ppid)) if ppid == me))
        .collect();
    assert!(zombies.is_empty(), "unreaped children: {zombies:?}");
    // And the check itself can see a zombie: an exited, unreaped child is one.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    // Wait for the exit without reaping it (WNOWAIT): the child is then a zombie.
    // SAFETY: `info` is a writable siginfo_t that outlives the call.
    let rc = unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        )
    };
    assert_eq!(rc, 0, "waitid: {}", std::io::Error::last_os_error());
    assert_eq!(
        state_and_ppid(pid),
        Some(('Z', me)),
        "the check misses a zombie"
    );
    child.wait().unwrap();
}

// ---- pipes as asyncio streams, stderr=STDOUT, shell ----

#[test]
fn readline_over_a_childs_stdout() {
    let _guard = HangGuard::new("readline child", 60);
    weft::run(async {
        let mut child = Command::new("printf")
            .arg("alpha\\nbeta\\npartial")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = child.stdout.take().map(StreamReader::new).unwrap();
        assert_eq!(reader.readline().await.unwrap(), b"alpha\n");
        assert_eq!(reader.readuntil(b"\n").await.unwrap(), b"beta\n");
        assert_eq!(reader.readline().await.unwrap(), b"partial");
        assert!(reader.at_eof());
        assert!(child.wait().await.unwrap().success());
    });
}

/// A StreamWriter over a child's stdin: buffered writes, `close` is the child's EOF.
#[test]
fn stream_writer_over_a_childs_stdin() {
    let _guard = HangGuard::new("writer child", 60);
    weft::run(async {
        let mut child = Command::new("wc")
            .arg("-l")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = StreamWriter::new(child.stdin.take().unwrap()).unwrap();
        for _ in 0..10_000 {
            stdin.write(b"a line of input\n").unwrap();
        }
        stdin.drain().await.unwrap();
        stdin.close();
        stdin.wait_closed().await.unwrap();
        let out = child.wait_with_output().await.unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "10000");
    });
}

#[test]
fn stderr_to_stdout_interleaves_both_in_one_pipe() {
    let _guard = HangGuard::new("stderr_to_stdout", 60);
    weft::run(async {
        let mut cmd = Command::shell("echo out; echo err >&2; echo out again >&1");
        cmd.stderr_to_stdout();
        let mut child = cmd.spawn().unwrap();
        assert!(child.stderr.is_none());
        let mut reader = StreamReader::new(child.stdout.take().unwrap());
        // End of stream proves the parent kept no write end of the merged pipe.
        assert_eq!(
            reader.read_to_end().await.unwrap(),
            b"out\nerr\nout again\n"
        );
        assert!(child.wait().await.unwrap().success());
        // The command can be spawned again: a fresh pipe each time.
        let out = cmd.output().await.unwrap();
        assert_eq!(out.stdout, b"out\nerr\nout again\n");
    });
}

#[test]
fn command_has_std_parity() {
    let _guard = HangGuard::new("command parity", 60);
    weft::run(async {
        let out = Command::shell("echo $A-$B-${C:-none}-$(pwd)")
            .env_clear()
            .envs([("A", "1"), ("B", "2"), ("C", "3")])
            .env_remove("C")
            .current_dir("/")
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"1-2-none-/\n");

        let mut std_cmd = std::process::Command::new("sh");
        std_cmd.args(["-c", "exit 5"]);
        let status = Command::from(std_cmd).status().await.unwrap();
        assert_eq!(status.code(), Some(5));

        // A new process group led by the child: its pgid is its pid.
        let out = Command::shell(r#"[ "$(cut -d' ' -f5 /proc/self/stat)" = $$ ] && echo leader"#)
            .process_group(0)
            .output()
            .await
            .unwrap();
        assert_eq!(out.stdout, b"leader\n");

        let mut cmd = Command::new("true");
        // SAFETY: the closure only builds an error value from an integer.
        unsafe {
            cmd.pre_exec(|| Err(std::io::Error::from_raw_os_error(libc::EACCES)));
        }
        assert_eq!(
            cmd.spawn().unwrap_err().kind(),
            std::io::ErrorKind::PermissionDenied
        );
    });
}
