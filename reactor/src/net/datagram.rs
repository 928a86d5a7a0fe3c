//! Everything UDP and Unix datagram sockets share, written once: [`datagram!`] generates
//! `send`, `recv`, `recv_from`, the address getters and the fd impls for a
//! `$Socket { io: Async<_> }`.

/// Generates the datagram API shared by `$Socket`s whose addresses are `$Addr`. `pair` is
/// hidden doc-test code binding two sockets `a` and `b` connected to each other.
macro_rules! datagram {
    ($Socket:ident, $Addr:ty, pair = $pair:literal) => {
        impl $Socket {
            /// Sends one datagram to the connected peer; returns the bytes sent.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// assert_eq!(a.send(b"abc").await?, 3);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn send(
                &self,
                buf: &[u8],
            ) -> impl std::future::Future<Output = std::io::Result<usize>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Socket,
                    weft_coop::IoOp::Send,
                    async move { self.io.write_with(|s| s.send(buf)).await },
                )
            }

            /// Receives one datagram from the connected peer into `buf` (a longer datagram
            /// is truncated); returns its length. Message boundaries are kept.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.send(b"one").await?;
            /// a.send(b"two").await?;
            /// let mut buf = [0u8; 2];
            /// assert_eq!(b.recv(&mut buf).await?, 2); // "on": truncated
            /// assert_eq!(b.recv(&mut buf).await?, 2);
            /// assert_eq!(&buf, b"tw");
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn recv(
                &self,
                buf: &mut [u8],
            ) -> impl std::future::Future<Output = std::io::Result<usize>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Socket,
                    weft_coop::IoOp::Recv,
                    async move { self.io.read_with(|s| s.recv(buf)).await },
                )
            }

            /// Receives one datagram into `buf` (truncated if longer) and the sender's
            /// address.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.send(b"ping").await?;
            /// let mut buf = [0u8; 8];
            /// let (n, _from) = b.recv_from(&mut buf).await?;
            /// assert_eq!(&buf[..n], b"ping");
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn recv_from(
                &self,
                buf: &mut [u8],
            ) -> impl std::future::Future<Output = std::io::Result<(usize, $Addr)>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Socket,
                    weft_coop::IoOp::RecvFrom,
                    async move { self.io.read_with(|s| s.recv_from(buf)).await },
                )
            }

            /// The local address.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// let _here = a.local_addr()?;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn local_addr(&self) -> std::io::Result<$Addr> {
                self.io.get_ref().local_addr()
            }

            /// The connected peer's address (`NotConnected` before a `connect`).
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// let _there = a.peer_addr()?;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn peer_addr(&self) -> std::io::Result<$Addr> {
                self.io.get_ref().peer_addr()
            }
        }

        $crate::net::socket::fd_impls!($Socket);
    };
}

pub(crate) use datagram;
