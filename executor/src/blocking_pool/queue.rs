//! The pool's FIFO of jobs waiting for a thread: crossbeam's lock-free `Injector`, so a
//! submitter and the threads taking jobs never wait for each other's lock. Under loom it is a
//! loom mutex around a `VecDeque`, which loom can see: the models check the protocol around
//! the queue (`counts.rs`), and the queue only needs to be a linearizable FIFO for that.

use crate::task::Notified;

#[cfg(not(loom))]
pub(super) struct JobQueue(crossbeam_deque::Injector<Notified>);

#[cfg(not(loom))]
impl JobQueue {
    pub(super) fn new() -> JobQueue {
        JobQueue(crossbeam_deque::Injector::new())
    }

    pub(super) fn push(&self, job: Notified) {
        self.0.push(job);
    }

    pub(super) fn pop(&self) -> Option<Notified> {
        crate::scheduler::worker::steal_one(|| self.0.steal())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(loom)]
pub(super) struct JobQueue(crate::loom::Mutex<std::collections::VecDeque<Notified>>);

#[cfg(loom)]
impl JobQueue {
    pub(super) fn new() -> JobQueue {
        JobQueue(crate::loom::Mutex::new(Default::default()))
    }

    pub(super) fn push(&self, job: Notified) {
        self.0.lock().push_back(job);
    }

    pub(super) fn pop(&self) -> Option<Notified> {
        self.0.lock().pop_front()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.lock().is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.0.lock().len()
    }
}
