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

/// The task a waker's data pointer refers to, as the allocation's own pointer.
fn task_ptr(ptr: *const ()) -> NonNull<Header> {
    // SAFETY: every waker built from `WAKER_VTABLE` carries the non-null pointer `allocate`
    // made; the cast back keeps its provenance over the whole cell.
    unsafe { NonNull::new_unchecked(ptr.cast_mut().cast::<Header>()) }
}

/// # Safety
/// `ptr` is a waker's data pointer, and the task stays alive (the waker's own reference, or
/// the lender's for a borrowed waker) for as long as the returned borrow is used. The
/// lifetime is the caller's to bound: no use of the borrow may follow code that can release
/// the last reference.
unsafe fn header_of<'a>(ptr: *const ()) -> &'a Header {
    // SAFETY: per the caller's contract the header is alive for `'a`.
    unsafe { task_ptr(ptr).as_ref() }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned holds a reference.
    unsafe { header_of(ptr) }.state.ref_inc();
    RawWaker::new(ptr, &WAKER_VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    let raw = task_ptr(ptr);
    // SAFETY: this waker's reference keeps the task alive until it is released below, and
    // the borrow is not used after that.
    let header = unsafe { header_of(ptr) };
    #[cfg(feature = "tracing")]
    super::instrument::wake(header, "waker.wake");
    if super::current::note_self_wake(raw) {
        // The runner holds a reference throughout the poll, so this is never the last one.
        header.state.ref_dec(1);
        return;
    }
    let vtable = header.vtable;
    match header.state.transition_to_notified_by_val() {
        Wake::Nothing => {}
        Wake::Submit => {
            // SAFETY: the transition took a reference for the queue entry, and this waker's
            // own reference keeps the task alive across the call.
            unsafe { (vtable.schedule)(raw) };
            // Now that the task is queued, the waker's reference goes.
            // SAFETY: still held; nothing borrows the task past this point.
            if unsafe { header_of(ptr) }.state.ref_dec(1) {
                // SAFETY: that was the last reference.
                unsafe { (vtable.dealloc)(raw) };
            }
        }
        // SAFETY: the waker held the last reference.
        Wake::Dealloc => unsafe { (vtable.dealloc)(raw) },
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    let raw = task_ptr(ptr);
    // SAFETY: the caller's waker holds a reference for the whole call.
    let header = unsafe { header_of(ptr) };
    #[cfg(feature = "tracing")]
    super::instrument::wake(header, "waker.wake_by_ref");
    if super::current::note_self_wake(raw) {
        return;
    }
    if header.state.transition_to_notified_by_ref() == Wake::Submit {
        // SAFETY: the transition took a new reference for the queue entry, and the caller's
        // waker keeps its own across the call.
        unsafe { (header.vtable.schedule)(raw) };
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: this waker's reference keeps the task alive for the decrement.
    let header = unsafe { header_of(ptr) };
    let dealloc = header.vtable.dealloc;
    if header.state.ref_dec(1) {
        // SAFETY: this waker held the last reference.
        unsafe { dealloc(task_ptr(ptr)) };
    }
}
