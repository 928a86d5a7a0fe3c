//! Context variables: inheritance into tasks, callbacks and blocking jobs; isolation of
//! siblings, parents and `Context::run`; `reset` and its refusals.

use std::sync::mpsc;
use std::time::Duration;
use weft_executor::context::{Context, ContextVar, copy_context};
use weft_executor::{Builder, Runtime};
use weft_test_support::within;

static REQUEST: ContextVar<u64> = ContextVar::new("request");
static USER: ContextVar<String> = ContextVar::with_default("user", String::new());

fn rt(workers: usize) -> Runtime {
    Builder::new().worker_threads(workers).build().unwrap()
}

#[test]
fn a_task_sees_its_spawners_values_and_its_sets_reach_its_children_only() {
    within(Duration::from_secs(30), || {
        let rt = rt(2);
        rt.block_on(async {
            let parent = weft_executor::spawn(async {
                REQUEST.set(1);
                // A suspension point between the set and the spawn: the value is kept.
                weft_executor::yield_now().await;
                let child = weft_executor::spawn(async {
                    let seen = REQUEST.get();
                    REQUEST.set(2); // the child's own copy
                    let grandchild = weft_executor::spawn(async { REQUEST.get() });
                    (seen, grandchild.await.unwrap(), REQUEST.get())
                });
                let sibling = weft_executor::spawn(async {
                    weft_executor::yield_now().await;
                    REQUEST.get()
                });
                let child = child.await.unwrap();
                let sibling = sibling.await.unwrap();
                (child, sibling, REQUEST.get())
            });
            let ((child_saw, grandchild_saw, child_end), sibling_saw, parent_end) =
                parent.await.unwrap();
            assert_eq!(
                child_saw,
                Some(1),
                "a child starts with its parent's values"
            );
            assert_eq!(
                grandchild_saw,
                Some(2),
                "a grandchild sees what the child set"
            );
            assert_eq!(child_end, Some(2));
            assert_eq!(sibling_saw, Some(1), "a sibling never sees the child's set");
            assert_eq!(parent_end, Some(1), "the parent never sees the child's set");
            // The block_on future spawned `parent` before any set: untouched.
            assert_eq!(REQUEST.get(), None);
        });
    });
}

#[test]
fn tasks_on_one_worker_do_not_see_each_others_values() {
    within(Duration::from_secs(30), || {
        let rt = rt(1);
        let seen = rt.block_on(async {
            let tasks: Vec<_> = (0..20u64)
                .map(|i| {
                    weft_executor::spawn(async move {
                        assert_eq!(REQUEST.get(), None, "a value leaked from another task");
                        REQUEST.set(i);
                        // Let every other task run between the set and the read.
                        for _ in 0..3 {
                            weft_executor::yield_now().await;
                        }
                        REQUEST.get()
                    })
                })
                .collect();
            let mut seen = Vec::new();
            for task in tasks {
                seen.push(task.await.unwrap());
            }
            seen
        });
        assert_eq!(seen, (0..20).map(Some).collect::<Vec<_>>());
    });
}

#[test]
fn reset_restores_the_value_before_the_set_and_refuses_foreign_tokens() {
    within(Duration::from_secs(30), || {
        let rt = rt(1);
        rt.block_on(async {
            weft_executor::spawn(async {
                assert_eq!(USER.get().as_deref(), Some(""), "the default");
                let first = USER.set("ann".into());
                let second = USER.set("bob".into());
                assert_eq!(second.old_value().map(String::as_str), Some("ann"));
                USER.reset(second).unwrap();
                assert_eq!(USER.get().as_deref(), Some("ann"));
                USER.reset(first).unwrap();
                assert_eq!(USER.get().as_deref(), Some(""), "unset again: the default");

                // A token made in this task, used in a child: another context.
                let token = USER.set("carl".into());
                let (tx, rx) = weft_sync::oneshot::channel();
                weft_executor::spawn(async move {
                    let refused = USER.reset(token).unwrap_err();
                    let _ = tx.send((refused.is_wrong_context(), refused.to_string(), USER.get()));
                });
                let (wrong_context, message, child_value) = rx.await.unwrap();
                assert!(wrong_context);
                assert!(message.contains("different context"), "{message}");
                assert_eq!(child_value.as_deref(), Some("carl"), "nothing was changed");
                assert_eq!(USER.get().as_deref(), Some("carl"));

                // A token of another variable.
                let other = REQUEST.set(5);
                let wrong_var: ContextVar<u64> = ContextVar::new("wrong");
                let refused = wrong_var.reset(other).unwrap_err();
                assert!(!refused.is_wrong_context());
                assert!(refused.to_string().contains("request"), "{refused}");
                assert_eq!(REQUEST.get(), Some(5));
            })
            .await
            .unwrap();
        });
    });
}

#[test]
fn context_run_isolates_and_keeps_its_changes() {
    let token = REQUEST.set(10);
    let mut ctx = copy_context();
    let inside = ctx.run(|| {
        let inherited = REQUEST.get();
        REQUEST.set(11);
        inherited
    });
    assert_eq!(inside, Some(10));
    assert_eq!(REQUEST.get(), Some(10), "the caller's context is untouched");
    assert_eq!(
        ctx.get(&REQUEST),
        Some(11),
        "the change stayed in the context"
    );
    assert_eq!(
        ctx.run(|| REQUEST.get()),
        Some(11),
        "and is there next time"
    );
    let copy = ctx.copy();
    ctx.run(|| REQUEST.set(12));
    assert_eq!(
        copy.get(&REQUEST),
        Some(11),
        "a copy does not follow later changes"
    );
    // A panic inside `run` leaves the caller's context in place.
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ctx.run(|| {
            REQUEST.set(13);
            panic!("boom")
        })
    }));
    assert!(panicked.is_err());
    assert_eq!(REQUEST.get(), Some(10));
    REQUEST.reset(token).unwrap();
    assert_eq!(REQUEST.get(), None);
    assert!(Context::new().is_empty());
}

#[test]
fn a_callback_scheduled_from_another_thread_runs_in_the_context_captured_there() {
    within(Duration::from_secs(30), || {
        let rt = rt(2);
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut ctx = Context::new();
            ctx.run(|| {
                REQUEST.set(77);
                let tx2 = tx.clone();
                handle
                    .call_soon_threadsafe(move || {
                        let seen = REQUEST.get();
                        // A set in a callback stays in its own copy.
                        REQUEST.set(78);
                        tx2.send(("bound", seen)).unwrap();
                    })
                    .unwrap();
            });
            // Scheduled outside the context: runs with nothing set, even right after the
            // callback above set a value.
            handle
                .call_soon_threadsafe(move || tx.send(("plain", REQUEST.get())).unwrap())
                .unwrap();
        })
        .join()
        .unwrap();
        assert_eq!(rx.recv().unwrap(), ("bound", Some(77)));
        assert_eq!(rx.recv().unwrap(), ("plain", None));
    });
}

#[test]
fn call_later_callbacks_run_in_the_context_they_were_scheduled_in() {
    within(Duration::from_secs(30), || {
        let rt = rt(1);
        let (tx, rx) = mpsc::channel();
        rt.block_on(async {
            weft_executor::spawn(async move {
                REQUEST.set(5);
                let handle = weft_executor::Handle::current();
                let tx2 = tx.clone();
                handle
                    .call_later(Duration::from_millis(1), move || {
                        tx2.send(REQUEST.get()).unwrap()
                    })
                    .unwrap();
                // Already due: the immediate path.
                handle
                    .call_at(handle.time(), move || tx.send(REQUEST.get()).unwrap())
                    .unwrap();
                REQUEST.set(6); // later sets are not seen by callbacks scheduled before
            })
            .await
            .unwrap();
        });
        assert_eq!(rx.recv().unwrap(), Some(5));
        assert_eq!(rx.recv().unwrap(), Some(5));
    });
}

#[test]
fn blocking_jobs_and_thread_bridges_see_the_spawners_values() {
    within(Duration::from_secs(30), || {
        let rt = rt(1);
        let handle = rt.handle().clone();
        let (from_blocking, from_bridge) = rt.block_on(async {
            weft_executor::spawn(async move {
                REQUEST.set(9);
                let blocking = weft_executor::spawn_blocking(|| {
                    let seen = REQUEST.get();
                    REQUEST.set(10); // the job's own copy
                    seen
                })
                .await
                .unwrap();
                assert_eq!(REQUEST.get(), Some(9));
                let to_thread = weft_executor::to_thread(|| REQUEST.get()).await.unwrap();
                assert_eq!(to_thread, Some(9));
                (blocking, REQUEST.get())
            })
            .await
            .unwrap()
        });
        assert_eq!((from_blocking, from_bridge), (Some(9), Some(9)));
        // `run_coroutine_threadsafe` from a plain thread, inside a context.
        let seen = std::thread::spawn(move || {
            let mut ctx = Context::new();
            ctx.run(|| {
                REQUEST.set(21);
                handle
                    .run_coroutine_threadsafe(async { REQUEST.get() })
                    .result()
                    .unwrap()
            })
        })
        .join()
        .unwrap();
        assert_eq!(seen, Some(21));
    });
}

#[test]
fn with_reads_without_cloning_and_tolerates_sets_inside() {
    let _t = USER.set("dana".into());
    let len = USER.with(|user| {
        // Setting while a value is borrowed is allowed: the borrow is of the old map.
        let _inner = USER.set("eve".into());
        user.map(String::len)
    });
    assert_eq!(len, Some(4));
    assert_eq!(USER.get().as_deref(), Some("eve"));
}
