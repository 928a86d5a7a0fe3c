//! `select!`: the first matching branch wins, losers are dropped, borrows and `!Send`
//! futures work, `biased;` polls in order, the random start is fair, and patterns that do
//! not match disable their branch.

use std::future::{Future, pending, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use weft_executor::select;
use weft_test_support::{DropCounter, Gate, Tracked, within};

fn run<F: Future + 'static>(future: F) -> F::Output
where
    F::Output: Send + 'static,
{
    weft_executor::run(future)
}

/// Pending forever; counts its drop.
async fn forever(_tracked: Tracked) {
    pending::<()>().await
}

/// Ready after `n` polls (waking itself each time).
struct ReadyAfter(u32);
impl Future for ReadyAfter {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.0 == 0 {
            return Poll::Ready(7);
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn picks_the_ready_branch_and_drops_the_losers_before_the_body() {
    within(Duration::from_secs(10), || {
        let drops = DropCounter::new();
        let counted = drops.clone();
        let (value, dropped_in_body) = run(async move {
            select! {
                _ = forever(counted.track()) => unreachable!(),
                v = ReadyAfter(3) => (v, counted.get()),
                _ = forever(counted.track()) => unreachable!(),
            }
        });
        assert_eq!(value, 7);
        assert_eq!(
            dropped_in_body, 2,
            "both losers are dropped before the body runs"
        );
        assert_eq!(drops.get(), 2);
    });
}

#[test]
fn branches_borrow_locals_and_the_body_may_use_them_mutably() {
    let out = run(async {
        let mut log = vec![1, 2, 3];
        let len = select! {
            n = async { log.len() } => n,
            _ = pending::<()>() => 0,
        };
        log.push(len); // the branch's borrow has ended
        log
    });
    assert_eq!(out, [1, 2, 3, 3]);
}

#[test]
fn futures_need_not_be_send() {
    let out = run(async {
        let shared = Rc::new(5);
        let mine = shared.clone();
        select! {
            v = async move { weft_executor::yield_now().await; *mine * 2 } => v,
            _ = pending::<()>() => 0,
        }
    });
    assert_eq!(out, 10);
}

#[test]
fn biased_polls_in_the_order_written() {
    let out = run(async {
        let mut wins = [0u32; 3];
        for _ in 0..100 {
            let w = select! {
                biased;
                _ = ready(()) => 0,
                _ = ready(()) => 1,
                _ = ready(()) => 2,
            };
            wins[w] += 1;
        }
        wins
    });
    assert_eq!(out, [100, 0, 0]);
}

#[test]
fn without_biased_every_always_ready_branch_wins_sometimes() {
    let out = run(async {
        let mut wins = [0u32; 3];
        for _ in 0..3_000 {
            let w = select! {
                _ = ready(()) => 0,
                _ = ready(()) => 1,
                _ = ready(()) => 2,
            };
            wins[w] += 1;
        }
        wins
    });
    // Uniform would be 1000 each; 500 is far outside chance for a working random start.
    assert!(out.iter().all(|&n| n > 500), "{out:?}");
}

#[test]
fn a_branch_whose_pattern_does_not_match_is_disabled_and_the_others_go_on() {
    within(Duration::from_secs(10), || {
        let out = run(async {
            let gate = Gate::new();
            let opener = gate.clone();
            let mut polls_of_mismatch = 0;
            let counted = &mut polls_of_mismatch;
            let v = select! {
                biased;
                // Finishes first but with `None`: disabled, not polled again.
                Some(x) = async { *counted += 1; None::<u32> } => x,
                v = async {
                    opener.open();
                    gate.wait().await;
                    11
                } => v,
            };
            (v, polls_of_mismatch)
        });
        assert_eq!(out, (11, 1));
    });
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    let out = run(async {
        select! {
            Some(x) = ready(None::<u8>) => x,
            Ok(y) = ready(Err::<u8, &str>("no")) => y,
            else => 99,
        }
    });
    assert_eq!(out, 99);
}

#[test]
#[should_panic(expected = "all branches of this select! are disabled")]
fn every_branch_disabled_without_else_panics() {
    weft_test_support::block_on(async {
        select! {
            Some(x) = ready(None::<u8>) => x,
        }
    });
}

#[test]
fn mut_and_ref_bindings_work_in_patterns() {
    let out = run(async {
        select! {
            Some(mut v) = ready(Some(vec![1])) => { v.push(2); v },
            else => vec![],
        }
    });
    assert_eq!(out, [1, 2]);
}

#[test]
fn break_and_continue_in_bodies_act_on_the_surrounding_loop() {
    let out = run(async {
        let mut turns = 0;
        loop {
            turns += 1;
            select! {
                _ = ready(()) => {
                    if turns < 3 {
                        continue;
                    }
                    break turns;
                }
            }
        }
    });
    assert_eq!(out, 3);
}

#[test]
fn a_select_loop_with_a_channel_and_a_timer() {
    within(Duration::from_secs(10), || {
        let got = run(async {
            let (tx, mut rx) = weft_sync::mpsc::channel::<u32>(4);
            weft_executor::spawn(async move {
                for n in 0..5 {
                    tx.send(n).await.unwrap();
                }
            });
            let mut got = Vec::new();
            loop {
                select! {
                    msg = rx.recv() => match msg {
                        Some(n) => got.push(n),
                        None => break,
                    },
                    _ = weft_reactor::sleep(Duration::from_secs(30)) => panic!("stalled"),
                }
            }
            got
        });
        assert_eq!(got, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn sixteen_branches() {
    let out = run(async {
        select! {
            biased;
            _ = pending::<()>() => 0,
            _ = pending::<()>() => 1,
            _ = pending::<()>() => 2,
            _ = pending::<()>() => 3,
            _ = pending::<()>() => 4,
            _ = pending::<()>() => 5,
            _ = pending::<()>() => 6,
            _ = pending::<()>() => 7,
            _ = pending::<()>() => 8,
            _ = pending::<()>() => 9,
            _ = pending::<()>() => 10,
            _ = pending::<()>() => 11,
            _ = pending::<()>() => 12,
            _ = pending::<()>() => 13,
            _ = pending::<()>() => 14,
            v = ready(15) => v,
        }
    });
    assert_eq!(out, 15);
}
