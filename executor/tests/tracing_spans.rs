//! Feature `tracing`: every task gets a `runtime.spawn` span with tokio-console's fields,
//! entered around each poll, following from its spawner's span (never nested in it), and
//! every wake emits a `runtime::waker` event naming the span.
//! Run with `cargo test -p weft-executor --features tracing --test tracing_spans` (CI does).
#![cfg(feature = "tracing")]

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// What the layer saw: each task span's fields, how often it was entered, the spans it
/// follows from, and wake events.
#[derive(Default)]
struct Seen {
    spans: HashMap<u64, (&'static str, HashMap<String, String>)>,
    enters: HashMap<u64, usize>,
    follows: HashMap<u64, Vec<u64>>,
    wakes: Vec<(String, u64)>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Seen>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "runtime.spawn" {
            let mut fields = HashMap::new();
            attrs.record(&mut Fields(&mut fields));
            assert!(attrs.is_root(), "task spans must not nest");
            let target = attrs.metadata().target();
            self.0.lock().spans.insert(id.into_u64(), (target, fields));
        }
    }
    fn on_follows_from(&self, id: &Id, follows: &Id, _: Context<'_, S>) {
        let mut seen = self.0.lock();
        seen.follows
            .entry(id.into_u64())
            .or_default()
            .push(follows.into_u64());
    }
    fn on_enter(&self, id: &Id, _: Context<'_, S>) {
        *self.0.lock().enters.entry(id.into_u64()).or_default() += 1;
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "runtime::waker" {
            let mut fields = HashMap::new();
            event.record(&mut Fields(&mut fields));
            let task: u64 = fields["task.id"].parse().unwrap();
            self.0.lock().wakes.push((fields["op"].clone(), task));
        }
    }
}

#[test]
fn tasks_have_console_shaped_spans_entered_per_poll_and_wake_events() {
    let recorder = Recorder::default();
    // Global, so that the workers' threads report to it too (this binary has one test).
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(recorder.clone()))
        .unwrap();
    let rt = weft_executor::Builder::new()
        .worker_threads(1)
        .build()
        .unwrap();
    let event = Arc::new(weft_sync::Event::new());
    let e = event.clone();
    let parent =
        weft_executor::task::Builder::new()
            .name("waiter")
            .spawn_on(rt.handle(), async move {
                weft_executor::spawn(async {}).await.unwrap();
                e.wait().await;
            });
    let parent_id = parent.id();
    // Wake the parent from this thread once it waits on the event.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let on_event = |t: &weft_executor::runtime::TaskInfo| {
        t.id() == parent_id
            && t.waiting_on().map(|w| w.kind()) == Some(weft_executor::runtime::WaitKind::Event)
    };
    while !rt.handle().tasks().iter().any(on_event) {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never waited"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    event.set();
    rt.block_on(parent).unwrap();
    drop(rt);

    let seen = recorder.0.lock();
    let (span_id, (target, fields)) = seen
        .spans
        .iter()
        .find(|(_, (_, f))| f.get("task.name").map(String::as_str) == Some("waiter"))
        .expect("a span for the named task");
    assert_eq!(*target, "weft::task");
    assert_eq!(fields["kind"], "task");
    assert_eq!(fields["task.id"], parent_id.as_u64().to_string());
    assert_eq!(fields["loc.file"], file!());
    assert!(fields.contains_key("loc.line") && fields.contains_key("loc.col"));
    assert!(
        seen.enters.get(span_id).copied().unwrap_or(0) >= 1,
        "the span was never entered"
    );
    let (child_span, (_, child)) = seen
        .spans
        .iter()
        .find(|(_, (_, f))| f.get("task.parent_id") == Some(&parent_id.as_u64().to_string()))
        .expect("the child's span names its parent");
    assert!(!child.contains_key("task.name"));
    // The span relation: the child follows from the span of the task that spawned it (the
    // one entered while it spawned); the parent, spawned from this thread outside any task
    // and any span, follows from nothing.
    assert_eq!(seen.follows.get(child_span), Some(&vec![*span_id]));
    assert_eq!(seen.follows.get(span_id), None);
    assert!(
        seen.wakes
            .iter()
            .any(|(op, task)| op.starts_with("waker.wake") && task == span_id),
        "no wake event for the task: {:?}",
        seen.wakes
    );
}
