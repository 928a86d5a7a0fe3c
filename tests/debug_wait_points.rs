//! Every kind of wait point shows in `Handle::tasks()` and `dump_tasks()` with the right kind,
//! file and line. Each test parks a task on one of weft's leaf futures; the line the wait
//! point must name carries a `// wait-point: <name>` comment.

#[cfg(unix)]
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft::runtime::{IoOp, IoResource, WaitKind, WaitPoint};
use weft::task::TaskId;
use weft::{Handle, Runtime};

const SOURCE: &str = include_str!("debug_wait_points.rs");

fn runtime() -> Runtime {
    weft::Builder::new().worker_threads(2).build().unwrap()
}

/// Waits (hang-guarded) until task `id` is idle at a wait point, and returns it.
fn wait_point(handle: &Handle, id: TaskId) -> WaitPoint {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = handle.tasks().into_iter().find(|t| t.id() == id);
        if let Some(wait) = info.and_then(|info| info.waiting_on()) {
            return wait;
        }
        assert!(
            Instant::now() < deadline,
            "task {id} never reported a wait point"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Asserts that task `id` waits on `kind` at the line marked `// wait-point: <marker>`, and
/// that the dump shows exactly that.
fn assert_waits(handle: &Handle, id: TaskId, kind: WaitKind, marker: &str) {
    let wait = wait_point(handle, id);
    assert_eq!(wait.kind(), kind);
    assert_eq!(wait.location().file(), file!());
    let line = weft_test_support::marked_line(SOURCE, &format!("wait-point: {marker}"));
    assert_eq!(
        wait.location().line(),
        line,
        "{kind} reported the wrong line"
    );
    assert!(wait.since() <= Instant::now());
    let dump = handle.dump_tasks();
    let expected = format!("waiting on {kind} at {}:{line}", file!());
    assert_eq!(wait.to_string(), expected);
    assert!(dump.contains(&expected), "{dump}");
}

#[test]
fn sleep_and_interval() {
    let rt = runtime();
    let napper = rt.spawn(async {
        weft::time::sleep(Duration::from_secs(3600)).await; // wait-point: sleep
    });
    assert_waits(
        rt.handle(),
        napper.id(),
        WaitKind::Sleep(Duration::from_secs(3600)),
        "sleep",
    );
    let ticker = rt.spawn(async {
        let mut ticks = weft::time::interval(Duration::from_secs(3600));
        ticks.tick().await; // the first tick is immediate
        ticks.tick().await; // wait-point: interval
    });
    assert_waits(
        rt.handle(),
        ticker.id(),
        WaitKind::Interval(Duration::from_secs(3600)),
        "interval",
    );
}

#[test]
fn lock_semaphore_event_condition_barrier() {
    let rt = runtime();
    let lock = Arc::new(weft::sync::Lock::new(()));
    let held = lock.try_lock().unwrap();
    let l = lock.clone();
    let locker = rt.spawn(async move {
        drop(l.lock().await); // wait-point: lock
    });
    assert_waits(rt.handle(), locker.id(), WaitKind::Lock, "lock");
    drop(held);

    let semaphore = Arc::new(weft::sync::Semaphore::new(0));
    let s = semaphore.clone();
    let acquirer = rt.spawn(async move {
        drop(s.acquire().await.unwrap()); // wait-point: semaphore
    });
    assert_waits(rt.handle(), acquirer.id(), WaitKind::Semaphore, "semaphore");

    let event = Arc::new(weft::sync::Event::new());
    let e = event.clone();
    let waiter = rt.spawn(async move {
        e.wait().await; // wait-point: event
    });
    assert_waits(rt.handle(), waiter.id(), WaitKind::Event, "event");

    let condition = Arc::new(weft::sync::Condition::new(()));
    let c = condition.clone();
    let notified = rt.spawn(async move {
        let guard = c.lock().await;
        drop(c.wait(guard).await); // wait-point: condition
    });
    assert_waits(rt.handle(), notified.id(), WaitKind::Condition, "condition");

    let barrier = Arc::new(weft::sync::Barrier::new(2).unwrap());
    let b = barrier.clone();
    let party = rt.spawn(async move {
        let _ = b.wait().await; // wait-point: barrier
    });
    assert_waits(rt.handle(), party.id(), WaitKind::Barrier, "barrier");
}

#[test]
fn queue_get_put_and_join() {
    let rt = runtime();
    let empty = weft::sync::Queue::<u8>::new();
    let q = empty.clone();
    let getter = rt.spawn(async move {
        let _ = q.get().await; // wait-point: get
    });
    assert_waits(rt.handle(), getter.id(), WaitKind::QueueGet, "get");

    let full = weft::sync::Queue::bounded(1);
    full.put_nowait(1u8).unwrap();
    let q = full.clone();
    let putter = rt.spawn(async move {
        let _ = q.put(2).await; // wait-point: put
    });
    assert_waits(rt.handle(), putter.id(), WaitKind::QueuePut, "put");

    let unfinished = weft::sync::Queue::new();
    unfinished.put_nowait(1u8).unwrap();
    let q = unfinished.clone();
    let joiner = rt.spawn(async move {
        q.join().await; // wait-point: queue-join
    });
    assert_waits(rt.handle(), joiner.id(), WaitKind::QueueJoin, "queue-join");
}

#[test]
fn promise_and_concurrent_future() {
    let rt = runtime();
    let promise = weft::sync::Promise::<u8>::new();
    let p = promise.clone();
    let awaiter = rt.spawn(async move {
        let _ = (&p).await; // wait-point: promise
    });
    assert_waits(rt.handle(), awaiter.id(), WaitKind::Promise, "promise");

    let bridged = rt.spawn(async {
        let handle = weft::Handle::current();
        let never = handle.run_coroutine_threadsafe(std::future::pending::<()>()); // wait-point: concurrent
        let _ = never.await;
    });
    assert_waits(
        rt.handle(),
        bridged.id(),
        WaitKind::ConcurrentFuture,
        "concurrent",
    );
}

#[test]
fn joins_name_the_awaited_task_at_its_spawn_line() {
    let rt = runtime();
    let parent = rt.spawn(async {
        let child = weft::spawn(std::future::pending::<()>()); // wait-point: join
        let _ = child.await;
    });
    let wait = wait_point(rt.handle(), parent.id());
    let child = rt
        .handle()
        .tasks()
        .into_iter()
        .find(|t| t.parent() == Some(parent.id()))
        .expect("the child is listed");
    assert_waits(
        rt.handle(),
        parent.id(),
        WaitKind::Join(child.id().as_u64()),
        "join",
    );
    assert_eq!(wait.to_string(), {
        let line = weft_test_support::marked_line(SOURCE, "wait-point: join");
        format!(
            "waiting on Task-{} (join) at {}:{line}",
            child.id(),
            file!()
        )
    });
}

#[test]
fn gather_wait_as_completed_and_task_groups() {
    let rt = runtime();
    let gatherer = rt.spawn(async {
        weft::gather([std::future::pending::<()>()]).await; // wait-point: gather
    });
    assert_waits(rt.handle(), gatherer.id(), WaitKind::Gather, "gather");

    let waiter = rt.spawn(async {
        let tasks = vec![weft::spawn(std::future::pending::<()>())];
        let _ = weft::wait(tasks, weft::ReturnWhen::AllCompleted).await; // wait-point: wait
    });
    assert_waits(rt.handle(), waiter.id(), WaitKind::Wait, "wait");

    let collector = rt.spawn(async {
        let mut outcomes = weft::as_completed([std::future::pending::<()>()]);
        let _ = outcomes.next().await; // wait-point: as-completed
    });
    assert_waits(
        rt.handle(),
        collector.id(),
        WaitKind::AsCompleted,
        "as-completed",
    );

    let grouper = rt.spawn(async {
        let group = weft::TaskGroup::<(), ()>::new();
        group.spawn(std::future::pending()).unwrap();
        let _ = group.join().await; // wait-point: group
    });
    assert_waits(rt.handle(), grouper.id(), WaitKind::TaskGroup, "group");
}

#[test]
fn blocking_jobs_and_file_operations() {
    let rt = runtime();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let offloader = rt.spawn(async move {
        let job = weft::spawn_blocking(move || released.recv()); // wait-point: blocking
        let _ = job.await;
    });
    assert_waits(rt.handle(), offloader.id(), WaitKind::Blocking, "blocking");
    drop(release);

    // FIFOs are Unix's.
    #[cfg(unix)]
    {
        // Opening a FIFO for reading blocks until a writer opens it: a file operation that
        // stays on the blocking pool for as long as the test wants.
        let fifo =
            std::env::temp_dir().join(format!("weft-wait-point-fifo-{}", std::process::id()));
        let _ = std::fs::remove_file(&fifo);
        let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: `path` is a valid NUL-terminated string.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        let f = fifo.clone();
        let reader = rt.spawn(async move {
            weft::fs::read(&f).await // wait-point: fs
        });
        assert_waits(rt.handle(), reader.id(), WaitKind::Blocking, "fs");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&fifo)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        assert_eq!(rt.block_on(reader).unwrap().unwrap(), b"x");
        std::fs::remove_file(&fifo).unwrap();
    }
}

#[test]
fn sockets_name_their_type_and_operation() {
    let rt = runtime();
    let (listener, client, server) = rt.block_on(async {
        let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = weft::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (listener, client, server)
    });
    let reader = rt.spawn(async move {
        let mut buf = [0u8; 8];
        let _ = server.read(&mut buf).await; // wait-point: tcp-read
    });
    assert_waits(
        rt.handle(),
        reader.id(),
        WaitKind::Io(IoResource::TcpStream, IoOp::Read),
        "tcp-read",
    );
    let acceptor = rt.spawn(async move {
        let _ = listener.accept().await; // wait-point: accept
    });
    assert_waits(
        rt.handle(),
        acceptor.id(),
        WaitKind::Io(IoResource::TcpListener, IoOp::Accept),
        "accept",
    );

    let udp = rt
        .block_on(weft::net::UdpSocket::bind("127.0.0.1:0"))
        .unwrap();
    let receiver = rt.spawn(async move {
        let mut buf = [0u8; 8];
        let _ = udp.recv_from(&mut buf).await; // wait-point: udp
    });
    assert_waits(
        rt.handle(),
        receiver.id(),
        WaitKind::Io(IoResource::UdpSocket, IoOp::RecvFrom),
        "udp",
    );

    #[cfg(unix)]
    {
        let (a, _b) = rt
            .block_on(async { weft::net::UnixStream::pair() })
            .unwrap();
        let half_reader = rt.spawn(async move {
            let (reader, _writer) = a.split();
            let _ = reader.read_exact(&mut [0u8; 4]).await; // wait-point: split
        });
        assert_waits(
            rt.handle(),
            half_reader.id(),
            WaitKind::Io(IoResource::UnixStream, IoOp::ReadExact),
            "split",
        );
    }
    drop(client);
}

#[cfg(unix)] // Unix commands, `kill` and Unix signals
#[test]
fn children_pipes_and_signals() {
    use weft::process::{Command, Stdio};
    let rt = runtime();
    let mut cat = rt.block_on(async {
        Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    });
    let mut stdout = cat.stdout.take().unwrap();
    let piper = rt.spawn(async move {
        let _ = stdout.read(&mut [0u8; 8]).await; // wait-point: pipe
    });
    assert_waits(
        rt.handle(),
        piper.id(),
        WaitKind::Io(IoResource::ChildStdout, IoOp::Read),
        "pipe",
    );
    let mut sleeper = rt.block_on(async { Command::new("sleep").arg("30").spawn().unwrap() });
    let child_id = sleeper.id();
    let waiter = rt.spawn(async move {
        let _ = sleeper.wait().await; // wait-point: child
    });
    assert_waits(rt.handle(), waiter.id(), WaitKind::ChildExit, "child");
    // SAFETY: kill(2) on the pid of our own child, which `waiter` has not reaped yet.
    assert_eq!(
        unsafe { libc::kill(child_id as libc::pid_t, libc::SIGKILL) },
        0
    );
    rt.block_on(waiter).unwrap();

    let listener = rt.spawn(async {
        let mut usr2 = weft::signal::signal(weft::signal::SignalKind::user_defined2()).unwrap();
        usr2.recv().await; // wait-point: signal
    });
    assert_waits(
        rt.handle(),
        listener.id(),
        WaitKind::Signal(libc::SIGUSR2),
        "signal",
    );
    // Closing `cat`'s input ends it, and with it the read of its output.
    drop(cat.stdin.take());
    rt.block_on(piper).unwrap();
    rt.block_on(cat.wait()).unwrap();
}

#[test]
fn a_task_waiting_on_a_foreign_future_reports_no_stale_wait_point() {
    let rt = runtime();
    let event = Arc::new(weft::sync::Event::new());
    let e = event.clone();
    let task = rt.spawn(async move {
        e.wait().await;
        std::future::pending::<()>().await // not one of weft's leaves
    });
    wait_point(rt.handle(), task.id());
    event.set();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = rt
            .handle()
            .tasks()
            .into_iter()
            .find(|t| t.id() == task.id())
            .unwrap();
        // Idle again, now past the event: nothing known, and nothing stale shown.
        if info.state() == weft::runtime::TaskState::Idle && info.waiting_on().is_none() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the event's wait point stayed: {info}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
