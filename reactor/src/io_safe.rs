//! `IoSafe`: the promise that lets [`Async`](crate::Async) take an I/O object.
//!
//! The reactor must delete a descriptor from its poller *before* the descriptor is closed:
//! otherwise a new file that reuses the number can lose its registration, or get events
//! meant for the old one. `Async` upholds that by owning the object and deregistering it in
//! `Drop`. That only works if the object really owns its descriptor — a bare `RawFd` does
//! not (anyone may close the number behind `Async`'s back) — and if nothing reachable
//! through the `&T` that `Async` hands out can close or replace it. `AsFd` gives the first
//! (it is implemented by owning and borrowing descriptor types, not by integers); `IoSafe`
//! states the second, and is `unsafe` to implement because the reactor's soundness rests on
//! it.
//!
//! On Windows the descriptor is a socket (`AsSocket`) and the same promise is made about it:
//! std's owned socket types implement `IoSafe` there, and so does `OwnedSocket`.

/// An I/O object whose descriptor cannot be closed or replaced through a shared reference.
///
/// [`Async`](crate::Async) gives out `&T` freely ([`Async::get_ref`](crate::Async::get_ref),
/// the closures of `read_with`/`write_with`), so `T` must not let that close its descriptor
/// or swap in another one: a type with interior mutability over its descriptor (a
/// `Mutex<File>`, say) must not implement this trait.
///
/// # Safety
///
/// While the value lives, the descriptor `AsFd::as_fd` returns must stay open and stay the
/// same, whatever safe code does with a `&Self`.
///
/// ```
/// use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
///
/// /// A descriptor owned by a wrapper that exposes no way to replace it.
/// struct Pipe(OwnedFd);
/// impl AsFd for Pipe {
///     fn as_fd(&self) -> BorrowedFd<'_> {
///         self.0.as_fd()
///     }
/// }
/// // SAFETY: `Pipe` owns its descriptor and offers no `&self` method that closes or replaces it.
/// unsafe impl weft_reactor::IoSafe for Pipe {}
/// ```
///
/// A bare descriptor number is refused at compile time: it owns nothing.
///
/// ```compile_fail
/// # weft_reactor::doc_support::block_on(async {
/// let raw: std::os::fd::RawFd = 0;
/// let _ = weft_reactor::Async::new(raw); // error: `RawFd` is neither `AsFd` nor `IoSafe`
/// # });
/// ```
pub unsafe trait IoSafe {}

// SAFETY: each of these owns its descriptor, closes it only on drop, and has no `&self`
// method that closes or replaces it.
#[cfg(unix)]
unsafe impl IoSafe for std::os::fd::OwnedFd {}
// SAFETY: as above, for a socket handle.
#[cfg(windows)]
unsafe impl IoSafe for std::os::windows::io::OwnedSocket {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::fs::File {}
// SAFETY: as above.
unsafe impl IoSafe for std::net::TcpStream {}
// SAFETY: as above.
unsafe impl IoSafe for std::net::TcpListener {}
// SAFETY: as above.
unsafe impl IoSafe for std::net::UdpSocket {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::os::unix::net::UnixStream {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::os::unix::net::UnixListener {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::os::unix::net::UnixDatagram {}
// Pipes and files are descriptors on Unix only; on Windows they are not sockets, so they
// cannot be sources there.
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::io::PipeReader {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::io::PipeWriter {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::process::ChildStdin {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::process::ChildStdout {}
// SAFETY: as above.
#[cfg(unix)]
unsafe impl IoSafe for std::process::ChildStderr {}
// SAFETY: a shared reference to an `IoSafe` value can do no more than the value itself
// allows through `&`, and the borrow keeps the value (so its descriptor) alive.
unsafe impl<T: IoSafe + ?Sized> IoSafe for &T {}
// SAFETY: a `Box` owns its `IoSafe` contents and adds no way to replace them through `&`.
unsafe impl<T: IoSafe + ?Sized> IoSafe for Box<T> {}
// SAFETY: an `Arc` keeps its `IoSafe` contents alive while any clone lives and hands out
// only `&T`, so the descriptor stays open at least as long as the `Async` holding it.
unsafe impl<T: IoSafe + ?Sized> IoSafe for std::sync::Arc<T> {}
