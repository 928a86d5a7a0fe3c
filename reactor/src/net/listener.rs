//! Everything TCP and Unix listeners share, written once: [`listener!`] generates `accept`,
//! `poll_accept`, `incoming` and its stream type for a `$Listener { io: Async<_> }` whose
//! standard type accepts `$Stream`s.

/// Generates the accept API of `$Listener`, the `$Incoming` stream type and the fd impls.
/// The doc tests run hidden code: `pre` before the `async` block (say, choosing a socket
/// path), `setup` inside it (binding `listener` and a client connect future `client`), and
/// `cleanup` after it.
macro_rules! listener {
    (
        $Listener:ident, $Stream:ident, $Addr:ty, $Incoming:ident,
        pre = $pre:literal, setup = $setup:literal, cleanup = $cleanup:literal
    ) => {
        impl $Listener {
            /// Waits for a connection and returns it with the peer's address.
            ///
            /// Errors (`EMFILE` when the process is out of file descriptors, say) are
            /// returned as the OS reports them; the listener stays usable and the connection
            /// that could not be accepted is accepted by a later call. Any number of tasks
            /// may accept at once.
            ///
            /// ```
            #[doc = $pre]
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $setup]
            /// let client = client.await?;
            /// let (conn, _peer) = listener.accept().await?;
            /// client.write_all(b"hi").await?;
            /// let mut buf = [0u8; 2];
            /// conn.read_exact(&mut buf).await?;
            /// # std::io::Result::Ok(()) })?;
            #[doc = $cleanup]
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn accept(
                &self,
            ) -> impl std::future::Future<Output = std::io::Result<($Stream, $Addr)>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Listener,
                    weft_coop::IoOp::Accept,
                    async move {
                        let (stream, addr) = self.io.read_with(|l| l.accept()).await?;
                        Ok((self.adopt(stream)?, addr))
                    },
                )
            }

            /// Poll-style [`accept`](Self::accept): only the most recent waker is kept.
            ///
            /// ```
            #[doc = $pre]
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $setup]
            /// let _client = client.await?;
            /// let (_conn, _peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
            /// # std::io::Result::Ok(()) })?;
            #[doc = $cleanup]
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn poll_accept(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<($Stream, $Addr)>> {
                let polled = self.io.poll_read_with(cx, |l| l.accept());
                $crate::io_wait::record_pending(
                    weft_coop::IoResource::$Listener,
                    weft_coop::IoOp::Accept,
                    polled,
                )
                .map(|accepted| {
                    let (stream, addr) = accepted?;
                    Ok((self.adopt(stream)?, addr))
                })
            }

            /// A stream of incoming connections (`futures_core::Stream`): each item is what
            /// [`accept`](Self::accept) would return, without the address. It never ends.
            ///
            /// ```
            /// use futures_core::Stream;
            /// use std::pin::Pin;
            #[doc = $pre]
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $setup]
            /// let _client = client.await?;
            /// let mut incoming = listener.incoming();
            /// let next = std::future::poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
            /// let _conn = next.expect("the stream never ends")?;
            /// # std::io::Result::Ok(()) })?;
            #[doc = $cleanup]
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn incoming(&self) -> $Incoming<'_> {
                $Incoming {
                    listener: self,
                    made_at: std::panic::Location::caller(),
                }
            }
        }

        #[doc = concat!(
            "The stream of connections of a [`", stringify!($Listener), "`]; see [`",
            stringify!($Listener), "::incoming`]."
        )]
        ///
        /// ```
        #[doc = $pre]
        /// # weft_reactor::doc_support::block_on(async {
        #[doc = $setup]
        #[doc = concat!("let incoming: weft_reactor::net::", stringify!($Incoming), "<'_> = listener.incoming();")]
        /// # drop((incoming, client));
        /// # std::io::Result::Ok(()) })?;
        #[doc = $cleanup]
        /// # std::io::Result::Ok(())
        /// ```
        #[must_use = "streams do nothing unless polled"]
        pub struct $Incoming<'a> {
            listener: &'a $Listener,
            /// Where `incoming` was called: the wait point while no connection comes.
            made_at: &'static std::panic::Location<'static>,
        }

        impl futures_core::Stream for $Incoming<'_> {
            type Item = std::io::Result<$Stream>;

            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                let polled = self.listener.poll_accept(cx);
                if polled.is_pending() {
                    let kind = weft_coop::WaitKind::Io(
                        weft_coop::IoResource::$Listener,
                        weft_coop::IoOp::Accept,
                    );
                    weft_coop::record(kind, self.made_at);
                }
                polled.map(|result| Some(result.map(|(stream, _)| stream)))
            }
        }

        impl std::fmt::Debug for $Incoming<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($Incoming))
                    .field("listener", self.listener)
                    .finish()
            }
        }

        $crate::net::socket::fd_impls!($Listener);
    };
}

pub(crate) use listener;
