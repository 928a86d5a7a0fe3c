//! Subprocesses on Windows (through `cmd.exe`): exit codes and output capture, stdin piped
//! to the child, `kill`, `shell`, many children waited for at once, and the exit watch being
//! a registered wait (no thread per child). Unix's process tests are `process.rs` and
//! `process_streams.rs`.
#![cfg(windows)]

use std::time::Instant;

use weft::process::{Command, Stdio};
use weft_test_support::HangGuard;

/// `cmd.exe /C line`.
fn cmd(line: &str) -> Command {
    let mut command = Command::new("cmd");
    command.args(["/C", line]);
    command
}

#[test]
fn output_and_exit_code_are_captured() {
    let _guard = HangGuard::new("output", 60);
    weft::run(async {
        let out = cmd("echo hello& exit 3").output().await.unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"hello\r\n");
        assert!(out.stderr.is_empty());
    });
}

#[test]
fn stdin_reaches_the_child_and_its_answer_comes_back() {
    let _guard = HangGuard::new("communicate", 60);
    weft::run(async {
        let mut child = cmd("set /p LINE=& call echo got %LINE%")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.communicate(Some(b"abc\r\n".to_vec())).await.unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"got abc\r\n");
    });
}

#[test]
fn the_pipes_read_and_write_as_streams() {
    let _guard = HangGuard::new("pipes", 60);
    weft::run(async {
        let mut child = cmd("set /p LINE=& call echo %LINE%%LINE%")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"xy\r\n").await.unwrap();
        let mut text = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .await
            .unwrap();
        assert_eq!(text, "xyxy\r\n");
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn kill_ends_a_child_that_would_wait_forever() {
    let _guard = HangGuard::new("kill", 60);
    weft::run(async {
        // Waits for a line on a stdin that we keep open and never write to.
        let mut child = cmd("set /p LINE=").stdin(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take();
        assert!(child.try_wait().unwrap().is_none());
        child.kill().unwrap();
        let status = child.wait().await.unwrap();
        assert!(!status.success());
        drop(stdin);
    });
}

#[test]
fn shell_runs_cmd_exe() {
    let _guard = HangGuard::new("shell", 60);
    weft::run(async {
        let out = Command::shell("echo one& echo two").output().await.unwrap();
        assert_eq!(out.stdout, b"one\r\ntwo\r\n");
    });
}

#[test]
fn a_hundred_children_are_waited_for_at_once_by_registered_waits() {
    let _guard = HangGuard::new("many children", 120);
    weft::run(async {
        let started = Instant::now();
        let children: Vec<_> = (0..100)
            .map(|i| cmd(&format!("exit {}", i % 7)).spawn().unwrap())
            .collect();
        for child in &children {
            assert_eq!(child.exit_watch(), "registered-wait");
        }
        let codes = weft::gather(
            children
                .into_iter()
                .map(|mut child| async move { child.wait().await.unwrap().code() }),
        )
        .await;
        for (i, code) in codes.into_iter().enumerate() {
            assert_eq!(code, Some((i % 7) as i32));
        }
        // For the record (the README's Platforms section): spawn + wait of 100 children.
        eprintln!(
            "100 children spawned and waited for in {:?}",
            started.elapsed()
        );
    });
}
