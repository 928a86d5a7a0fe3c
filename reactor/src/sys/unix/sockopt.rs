//! Socket calls the net types need that neither std nor socket2 (without its `all` feature,
//! which weft does not enable) offers: `SO_REUSEPORT` and the credentials of a Unix socket's
//! peer.
//!
//! Both are POSIX-shaped `getsockopt`/`setsockopt` calls or their BSD twin (`getpeereid`), so
//! they live here for every Unix; the one Linux-only name, `SO_PEERCRED` (which also gives the
//! peer's pid), is behind `cfg(any(target_os = "linux", target_os = "android"))`.

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Sets an `int`-valued socket option.
fn set_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // The size of an `int` always fits a `socklen_t`.
    let len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `fd` is an open descriptor borrowed for the call; the option value points at
    // `value`, a live `c_int`, and `len` is exactly its size, so the kernel reads only it.
    let rc =
        unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, (&raw const value).cast(), len) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads an `int`-valued socket option.
pub(crate) fn get_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `fd` is open for the call; `value` and `len` are live, exclusively borrowed
    // locals, and `len` tells the kernel it may write at most `size_of::<c_int>()` bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(value)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Sets `SO_REUSEPORT`: several sockets may then bind the same address and port (each must
/// set it before `bind`); Linux spreads incoming connections across the listeners.
pub(crate) fn set_reuse_port(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    set_int(
        fd,
        libc::SOL_SOCKET,
        libc::SO_REUSEPORT,
        libc::c_int::from(on),
    )
}

/// Reads `SO_REUSEPORT`.
pub(crate) fn reuse_port(fd: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(get_int(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT)? != 0)
}

/// The peer of a connected Unix stream socket, as the kernel recorded it at `connect` time:
/// `(uid, gid, pid)`, the pid where the platform gives one.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<(u32, u32, Option<i32>)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `fd` is open for the call; `cred` is a live, exclusively borrowed `ucred` and
    // `len` is its size, so the kernel writes at most that many bytes into it.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // A socket that is not connected (or not `AF_UNIX`) reports pid 0: no peer process.
    let pid = (cred.pid > 0).then_some(cred.pid);
    Ok((cred.uid, cred.gid, pid))
}

/// The peer of a connected Unix stream socket: `(uid, gid, None)` — the BSDs' and macOS's
/// `getpeereid` gives no pid.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<(u32, u32, Option<i32>)> {
    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: `fd` is open for the call; `uid` and `gid` are live, exclusively borrowed
    // locals of the types `getpeereid` writes.
    let rc = unsafe { libc::getpeereid(fd.as_raw_fd(), &mut uid, &mut gid) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((uid, gid, None))
}
