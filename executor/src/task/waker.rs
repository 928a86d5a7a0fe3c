//! Wakers that are the task itself: clone, wake and drop are reference-count operations on
//! the header, never an allocation. One untyped vtable serves every task, so `will_wake`
//! recognises two wakers of the same task.

use super::header::Header;
use super::state::Wake;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static WAKER_VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for the task at `ptr` that does not own a reference.
///
/// # Safety
/// The caller must keep a reference to the task for as long as the waker (or any use of it
/// that does not clone it) lives; the returned waker must not be dropped as an owned one,
/// which `ManuallyDrop` ensures.
pub(crate) unsafe fn borrowed_waker(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    // SAFETY: the vtable's functions uphold the `RawWaker` contract for header pointers; the
    // caller keeps the task alive while the waker is in use.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr().cast(), &WAKER_VTABLE)) })
}

fn header<'a>(ptr: *const ()) -> &'a Header {
    // SAFETY: every waker built from `WAKER_VTABLE` carries a live header pointer, kept alive
    // by the waker's own reference (or by the lender of a borrowed waker).
    unsafe { &*ptr.cast::<Header>() }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    header(ptr).state.ref_inc();
    RawWaker::new(ptr, &WAKER_VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    let header = header(ptr);
    let raw = NonNull::from(header);
    if super::current::note_self_wake(header) {
        // The runner holds a reference throughout the poll, so this is never the last one.
        header.state.ref_dec(1);
        return;
    }
    match header.state.transition_to_notified_by_val() {
        Wake::Nothing => {}
        // SAFETY: the waker's reference becomes the queue entry's.
        Wake::Submit => unsafe { (header.vtable.schedule)(raw) },
        // SAFETY: the waker held the last reference.
        Wake::Dealloc => unsafe { (header.vtable.dealloc)(raw) },
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    let header = header(ptr);
    if super::current::note_self_wake(header) {
        return;
    }
    if header.state.transition_to_notified_by_ref() == Wake::Submit {
        // SAFETY: the transition took a new reference for the queue entry.
        unsafe { (header.vtable.schedule)(NonNull::from(header)) };
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    let header = header(ptr);
    if header.state.ref_dec(1) {
        // SAFETY: this waker held the last reference.
        unsafe { (header.vtable.dealloc)(NonNull::from(header)) };
    }
}
