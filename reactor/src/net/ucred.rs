//! [`UCred`]: who is on the other end of a Unix-domain stream, as the kernel recorded it
//! when the connection was made (so a peer cannot lie about it). The OS call is in the
//! platform layer (`sys/unix/sockopt.rs`): `SO_PEERCRED` on Linux, `getpeereid` elsewhere.

/// The credentials of a Unix socket's peer process: [`UnixStream::peer_cred`].
///
/// [`UnixStream::peer_cred`]: super::UnixStream::peer_cred
///
/// ```
/// use weft_reactor::net::UnixStream;
/// weft_reactor::doc_support::block_on(async {
///     let (a, _b) = UnixStream::pair()?;
///     let cred = a.peer_cred()?;
///     // SAFETY: getuid takes no arguments and cannot fail.
///     assert_eq!(cred.uid(), unsafe { libc::getuid() });
///     println!("peer uid {} gid {} pid {:?}", cred.uid(), cred.gid(), cred.pid());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UCred {
    pub(super) uid: u32,
    pub(super) gid: u32,
    pub(super) pid: Option<i32>,
}

impl UCred {
    /// The peer's effective user id.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = weft_reactor::net::UnixStream::pair()?;
    /// // SAFETY: geteuid takes no arguments and cannot fail.
    /// assert_eq!(a.peer_cred()?.uid(), unsafe { libc::geteuid() });
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The peer's effective group id.
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = weft_reactor::net::UnixStream::pair()?;
    /// // SAFETY: getegid takes no arguments and cannot fail.
    /// assert_eq!(a.peer_cred()?.gid(), unsafe { libc::getegid() });
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn gid(&self) -> u32 {
        self.gid
    }

    /// The peer's process id, where the OS reports one (Linux does; macOS and the BSDs'
    /// `getpeereid` does not, so it is `None` there).
    ///
    /// ```
    /// # weft_reactor::doc_support::block_on(async {
    /// let (a, _b) = weft_reactor::net::UnixStream::pair()?;
    /// if let Some(pid) = a.peer_cred()?.pid() {
    ///     assert_eq!(pid as u32, std::process::id()); // our own socketpair
    /// }
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn pid(&self) -> Option<i32> {
        self.pid
    }
}
