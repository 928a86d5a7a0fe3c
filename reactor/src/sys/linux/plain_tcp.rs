//! Whether a socket is the kernel's own TCP with nothing layered on it: the sockets whose
//! short reads empty them unless an event said otherwise (`readiness.rs` has the kernel's
//! rules). Two `getsockopt`s, asked once when weft adopts a socket it did not create.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use crate::sys::sockopt;

/// True for an `IPPROTO_TCP` socket with no upper-layer protocol (`TCP_ULP`: kernel TLS,
/// `espintcp`), which would read record by record; false for anything else, MPTCP included,
/// and on any error.
pub(crate) fn is_plain_tcp(fd: BorrowedFd<'_>) -> bool {
    let protocol = sockopt::get_int(fd, libc::SOL_SOCKET, libc::SO_PROTOCOL);
    protocol.is_ok_and(|p| p == libc::IPPROTO_TCP) && ulp_name_len(fd).is_ok_and(|n| n == 0)
}

/// The length of the `TCP_ULP` name: 0 when none is installed.
fn ulp_name_len(fd: BorrowedFd<'_>) -> io::Result<usize> {
    // `TCP_ULP_NAME_MAX` in the kernel.
    let mut name = [0u8; 16];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: `fd` is open for the call; `name` is a live, exclusively borrowed buffer of
    // `len` bytes, the most the kernel writes.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_ULP,
            name.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(len as usize)
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn tcp_streams_and_listeners_are_plain_tcp_and_other_sockets_are_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        assert!(is_plain_tcp(listener.as_fd()));
        assert!(is_plain_tcp(client.as_fd()));
        assert!(is_plain_tcp(server.as_fd()));
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(!is_plain_tcp(a.as_fd()));
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert!(!is_plain_tcp(udp.as_fd()));
        let (r, _w) = std::io::pipe().unwrap();
        assert!(!is_plain_tcp(r.as_fd()), "not a socket: an error, so false");
    }
}
