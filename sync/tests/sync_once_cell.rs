//! `OnceCell`: one initialiser at a time, FIFO turns, cancelled and failing initialisers
//! handing the turn on, and a race of threads with exactly one initialisation.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{block_on, poll_once, within, yield_now};
use weft_coop::WaitKind;
use weft_sync::{OnceCell, SetError};

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

#[test]
fn exactly_one_initialiser_runs_when_eight_threads_race() {
    const THREADS: usize = 8;
    within(Duration::from_secs(60), || {
        for _round in 0..50 {
            let cell = Arc::new(OnceCell::new());
            let runs = Arc::new(AtomicUsize::new(0));
            let start = Arc::new(Barrier::new(THREADS));
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (cell, runs, start) = (cell.clone(), runs.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        block_on(async {
                            *cell
                                .get_or_init(|| async {
                                    runs.fetch_add(1, Ordering::SeqCst);
                                    yield_now().await; // let the others pile up behind
                                    t
                                })
                                .await
                        })
                    })
                })
                .collect();
            let seen: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            assert_eq!(
                runs.load(Ordering::SeqCst),
                1,
                "more than one initialiser ran"
            );
            assert!(
                seen.iter().all(|&v| v == seen[0]),
                "callers saw different values"
            );
            assert_eq!(cell.get(), Some(&seen[0]));
        }
    });
}

#[test]
fn waiters_get_the_winners_value_without_running_their_initialisers() {
    let cell = OnceCell::new();
    let mut first: Boxed<'_, &u32> = Box::pin(cell.get_or_init(|| async {
        yield_now().await;
        1
    }));
    let mut second: Boxed<'_, &u32> =
        Box::pin(cell.get_or_init(|| async { panic!("second initialiser ran") }));
    let mut third: Boxed<'_, &u32> =
        Box::pin(cell.get_or_init(|| async { panic!("third initialiser ran") }));
    assert!(poll_once(&mut first).is_pending(), "inside its initialiser");
    assert!(poll_once(&mut second).is_pending() && poll_once(&mut third).is_pending());
    assert!(matches!(poll_once(&mut first), std::task::Poll::Ready(&1)));
    assert!(matches!(poll_once(&mut second), std::task::Poll::Ready(&1)));
    assert!(matches!(poll_once(&mut third), std::task::Poll::Ready(&1)));
}

#[test]
fn a_cancelled_initialiser_hands_the_turn_to_the_next_waiter_in_fifo_order() {
    let cell = OnceCell::new();
    let mut first: Boxed<'_, &&str> = Box::pin(cell.get_or_init(std::future::pending));
    let mut second: Boxed<'_, &&str> = Box::pin(cell.get_or_init(|| async {
        yield_now().await;
        "second"
    }));
    let mut third: Boxed<'_, &&str> =
        Box::pin(cell.get_or_init(|| async { panic!("third initialiser ran") }));
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending() && poll_once(&mut third).is_pending());
    assert!(
        matches!(cell.set("x"), Err(SetError::InitializingError("x"))),
        "an initialiser is running"
    );

    drop(first); // cancelled mid-initialisation: the cell stays empty
    assert!(!cell.initialized());
    assert!(
        poll_once(&mut second).is_pending(),
        "second now runs its initialiser"
    );
    assert!(
        poll_once(&mut third).is_pending(),
        "third still waits, behind second"
    );
    assert!(matches!(
        poll_once(&mut second),
        std::task::Poll::Ready(&"second")
    ));
    assert!(matches!(
        poll_once(&mut third),
        std::task::Poll::Ready(&"second")
    ));
}

#[test]
fn a_failing_initialiser_hands_the_turn_to_the_next_waiter() {
    let cell = OnceCell::new();
    let mut first: Boxed<'_, Result<&u8, &str>> = Box::pin(cell.get_or_try_init(|| async {
        yield_now().await;
        Err("boom")
    }));
    let mut second: Boxed<'_, Result<&u8, &str>> =
        Box::pin(cell.get_or_try_init(|| async { Ok(2) }));
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    assert!(matches!(
        poll_once(&mut first),
        std::task::Poll::Ready(Err("boom"))
    ));
    assert!(!cell.initialized());
    assert!(matches!(
        poll_once(&mut second),
        std::task::Poll::Ready(Ok(&2))
    ));
    assert_eq!(cell.get(), Some(&2));
}

#[test]
fn a_waiting_initialiser_records_a_once_cell_wait_point() {
    let cell = OnceCell::new();
    let mut first: Boxed<'_, &u8> = Box::pin(cell.get_or_init(std::future::pending));
    let mut second: Boxed<'_, &u8> = Box::pin(cell.get_or_init(|| async { 1 }));
    assert!(poll_once(&mut first).is_pending());
    let (_, waited) = weft_coop::recording(|| poll_once(&mut second));
    let waited = waited.unwrap();
    assert_eq!(waited.kind(), WaitKind::OnceCell);
    assert_eq!(waited.location().file(), file!());
}

#[test]
fn set_take_into_inner_clone_and_debug() {
    let mut cell = OnceCell::new();
    assert_eq!(format!("{cell:?}"), "OnceCell { value: None }");
    cell.set(1).unwrap();
    assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    assert_eq!(format!("{cell:?}"), "OnceCell { value: Some(1) }");
    assert_eq!(cell.clone().get(), Some(&1));
    assert_eq!(cell.take(), Some(1));
    // Taken: initialisable again, by an async initialiser too.
    assert_eq!(block_on(cell.get_or_init(|| async { 3 })), &3);
    assert_eq!(cell.into_inner(), Some(3));
    assert!(OnceCell::<u8>::default().into_inner().is_none());
}
