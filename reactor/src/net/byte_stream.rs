//! Everything TCP and Unix streams share, written once: [`byte_stream!`] generates the
//! methods, the split plumbing and the trait impls for a type `$Stream { io: Async<_> }`.
//!
//! The doc examples are generated too, for each type: the macro takes a few hidden lines
//! that bind a connected pair `a`, `b` of that type, so every example runs on both.

/// Generates the byte-stream API of `$Stream` (a struct with an `io: Async<std type>` field
/// whose `&std type` implements `Read` and `Write`). `pair` is hidden doc-test code binding
/// two connected streams `a` and `b` inside an `async` block returning `io::Result`.
macro_rules! byte_stream {
    ($Stream:ident, pair = $pair:literal) => {
        impl $Stream {
            /// Reads some bytes into `buf`; `Ok(0)` at end of stream. Any number of tasks
            /// may wait.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(b"hey").await?;
            /// let mut buf = [0u8; 16];
            /// let n = b.read(&mut buf).await?;
            /// assert_eq!(&buf[..n], b"hey");
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn read(
                &self,
                buf: &mut [u8],
            ) -> impl std::future::Future<Output = std::io::Result<usize>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::Read,
                    async move {
                        $crate::net::ops::read(&self.io, buf).await
                    },
                )
            }

            /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the stream ends first.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(b"ab").await?;
            /// drop(a);
            /// let err = b.read_exact(&mut [0u8; 3]).await.unwrap_err();
            /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn read_exact(
                &self,
                buf: &mut [u8],
            ) -> impl std::future::Future<Output = std::io::Result<()>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::ReadExact,
                    async move {
                        self.split().0.read_exact(buf).await
                    },
                )
            }

            /// Writes some bytes of `buf`, returning how many. Any number of tasks may wait.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// assert_eq!(a.write(b"abc").await?, 3);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn write(
                &self,
                buf: &[u8],
            ) -> impl std::future::Future<Output = std::io::Result<usize>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::Write,
                    async move {
                        $crate::net::ops::write(&self.io, buf).await
                    },
                )
            }

            /// Writes all of `buf`.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(&[7u8; 10_000]).await?; // the kernel buffers it
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn write_all(
                &self,
                buf: &[u8],
            ) -> impl std::future::Future<Output = std::io::Result<()>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::WriteAll,
                    async move {
                        self.split().1.write_all(buf).await
                    },
                )
            }

            /// Does nothing: the stream buffers nothing in user space. Present so that code
            /// written for buffered writers reads naturally.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.flush().await?;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn flush(&self) -> std::io::Result<()> {
                Ok(())
            }

            /// One read attempt that never waits: `WouldBlock` when no bytes are there yet.
            /// Pair it with [`readable`](Self::readable) or
            /// [`poll_read_ready`](Self::poll_read_ready) to wait. It leaves the reactor's
            /// readiness cache as it is, so a later awaited read still tries the socket
            /// before it waits.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// let mut buf = [0u8; 8];
            /// assert_eq!(b.try_read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
            /// a.write_all(b"now").await?;
            /// b.readable().await?;
            /// assert_eq!(b.try_read(&mut buf)?, 3);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                std::io::Read::read(&mut self.io.get_ref(), buf)
            }

            /// [`try_read`](Self::try_read) into memory that need not be initialised (hyper's
            /// read buffer, a `Vec`'s spare capacity): the bytes go straight from the kernel
            /// into `buf`, with no zero-filling first. On `Ok(n)` the first `n` elements of
            /// `buf` are initialised.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(b"raw").await?;
            /// b.readable().await?;
            /// let mut buf: Vec<u8> = Vec::with_capacity(64);
            /// let n = b.try_read_buf(buf.spare_capacity_mut())?;
            /// // SAFETY: `try_read_buf` initialised the first `n` bytes of the spare capacity.
            /// unsafe { buf.set_len(n) };
            /// assert_eq!(buf, b"raw");
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read_buf(
                &self,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::io::Result<usize> {
                $crate::net::ops::read_uninit(self.io.get_ref(), buf)
            }

            /// Poll-style read into memory that need not be initialised: waits for data like
            /// `futures_io::AsyncRead::poll_read` (the most recent waker wins), then reads as
            /// [`try_read_buf`](Self::try_read_buf) does. On `Ready(Ok(n))` the first `n`
            /// elements of `buf` are initialised; `n == 0` is end of stream.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(b"hi").await?;
            /// let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8];
            /// let n = std::future::poll_fn(|cx| b.poll_read_buf(cx, &mut buf)).await?;
            /// assert_eq!(n, 2);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn poll_read_buf(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::ops::poll_read_uninit(&self.io, cx, buf)
            }

            /// Sends `count` bytes of `file` from `offset` (to its end for `None`) with
            /// `sendfile(2)`: the kernel copies the pages into the socket without passing
            /// them through this process. Returns how many bytes were sent, fewer than
            /// `count` only when the file ends first. The file's own position is neither
            /// used nor moved. Linux only; for every platform and stream, and for the
            /// asyncio shape, use `weft::io::StreamWriter::sendfile`, which falls back to
            /// reading and writing.
            ///
            /// # Errors
            ///
            /// `ErrorKind::Unsupported` when the kernel cannot send this file to this socket
            /// (not a regular file, say): nothing was sent, copy the bytes instead. Otherwise
            /// the OS's error, a broken connection say.
            ///
            /// ```
            /// use std::io::Write;
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// let mut file = tempfile()?;
            /// file.write_all(b"0123456789")?;
            /// assert_eq!(a.sendfile(&file, 2, Some(5)).await?, 5);
            /// let mut buf = [0u8; 5];
            /// b.read_exact(&mut buf).await?;
            /// assert_eq!(&buf, b"23456");
            /// # std::io::Result::Ok(()) })?;
            /// # fn tempfile() -> std::io::Result<std::fs::File> {
            /// #     let path = std::env::temp_dir().join(format!("weft-doc-sendfile-{}-{}", std::process::id(), line!()));
            /// #     let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?;
            /// #     std::fs::remove_file(&path)?;
            /// #     Ok(file)
            /// # }
            /// # std::io::Result::Ok(())
            /// ```
            #[cfg(target_os = "linux")]
            #[cfg_attr(docsrs, doc(cfg(target_os = "linux")))]
            #[track_caller]
            pub fn sendfile<'a>(
                &'a self,
                file: &'a std::fs::File,
                offset: u64,
                count: Option<u64>,
            ) -> impl std::future::Future<Output = std::io::Result<u64>> + 'a {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::WriteAll,
                    $crate::net::sendfile::send_file(&self.io, file, offset, count),
                )
            }

            /// One write attempt that never waits: `WouldBlock` when the socket buffer is
            /// full. Pair it with [`writable`](Self::writable) or
            /// [`poll_write_ready`](Self::poll_write_ready) to wait.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.writable().await?;
            /// assert_eq!(a.try_write(b"hello")?, 5);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                std::io::Write::write(&mut self.io.get_ref(), buf)
            }

            /// [`try_write`](Self::try_write) with several buffers (`writev`), written in
            /// order as one stream of bytes.
            ///
            /// ```
            /// use std::io::IoSlice;
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.writable().await?;
            /// let n = a.try_write_vectored(&[IoSlice::new(b"head "), IoSlice::new(b"body")])?;
            /// assert_eq!(n, 9);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write_vectored(
                &self,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::io::Result<usize> {
                std::io::Write::write_vectored(&mut self.io.get_ref(), bufs)
            }

            /// Waits until the stream is readable: a read would not block (or would report
            /// end of stream or an error). Any number of tasks may wait.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(b"x").await?;
            /// b.readable().await?;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn readable(&self) -> impl std::future::Future<Output = std::io::Result<()>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::Readable,
                    async move {
                        self.io.readable().await
                    },
                )
            }

            /// Waits until the stream is writable. Any number of tasks may wait.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.writable().await?;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn writable(&self) -> impl std::future::Future<Output = std::io::Result<()>> {
                $crate::io_wait::io_wait(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::Writable,
                    async move {
                        self.io.writable().await
                    },
                )
            }

            /// Poll-style [`readable`](Self::readable), for hand-written futures: only the
            /// most recent waker is kept. A readiness it reported once is checked with the
            /// OS again before it is reported a second time, so a loop of this and
            /// [`try_read`](Self::try_read) never spins.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(b"x").await?;
            /// std::future::poll_fn(|cx| b.poll_read_ready(cx)).await?;
            /// assert_eq!(b.try_read(&mut [0u8; 4])?, 1);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn poll_read_ready(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let polled = self.io.poll_readable(cx);
                $crate::io_wait::record_pending(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::Readable,
                    polled,
                )
            }

            /// Poll-style [`writable`](Self::writable); the same rules as
            /// [`poll_read_ready`](Self::poll_read_ready).
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// std::future::poll_fn(|cx| a.poll_write_ready(cx)).await?;
            /// assert_eq!(a.try_write(b"ok")?, 2);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            #[track_caller]
            pub fn poll_write_ready(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let polled = self.io.poll_writable(cx);
                $crate::io_wait::record_pending(
                    weft_coop::IoResource::$Stream,
                    weft_coop::IoOp::Writable,
                    polled,
                )
            }

            /// Shuts down the read, write or both directions (`Shutdown::Write` is asyncio's
            /// `write_eof`: the peer reads end of stream, and this side can still read).
            ///
            /// ```
            /// use weft_reactor::net::Shutdown;
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// a.write_all(b"question").await?;
            /// a.shutdown(Shutdown::Write)?;
            /// let mut q = [0u8; 8];
            /// b.read_exact(&mut q).await?;
            /// assert_eq!(b.read(&mut [0u8; 1]).await?, 0); // end of the request
            /// b.write_all(b"answer").await?;
            /// let mut answer = [0u8; 6];
            /// a.read_exact(&mut answer).await?; // `a` still reads
            /// assert_eq!(&answer, b"answer");
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.io.shutdown_with(how, |s, how| s.shutdown(how))
            }

            /// Lends the stream as a read half and a write half, for reading and writing at
            /// once within one task (e.g. `join` of a reader and a writer future).
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// let (reader, writer) = b.split();
            /// a.write_all(b"x").await?;
            /// let mut byte = [0u8; 1];
            /// reader.read_exact(&mut byte).await?;
            /// writer.write_all(&byte).await?;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn split(
                &self,
            ) -> (
                $crate::net::ReadHalf<'_, $Stream>,
                $crate::net::WriteHalf<'_, $Stream>,
            ) {
                ($crate::net::ReadHalf(self), $crate::net::WriteHalf(self))
            }

            /// Splits the stream into owned halves that can move to two tasks. Dropping the
            /// write half shuts the write direction down;
            /// [`OwnedReadHalf::reunite`]($crate::net::OwnedReadHalf::reunite) puts them
            /// together again.
            ///
            /// ```
            /// # weft_reactor::doc_support::block_on(async {
            #[doc = $pair]
            /// let (reader, writer) = a.into_split();
            /// drop(writer);
            /// assert_eq!(b.read(&mut [0u8; 1]).await?, 0);
            /// # drop(reader);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn into_split(
                self,
            ) -> (
                $crate::net::OwnedReadHalf<$Stream>,
                $crate::net::OwnedWriteHalf<$Stream>,
            ) {
                $crate::net::split::into_split(self)
            }
        }

        impl $crate::net::split::sealed::Stream for $Stream {
            const RESOURCE: weft_coop::IoResource = weft_coop::IoResource::$Stream;

            #[track_caller]
            fn poll_read_some(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let polled = $crate::net::ops::poll_read(&self.io, cx, buf);
                $crate::io_wait::record_pending(Self::RESOURCE, weft_coop::IoOp::Read, polled)
            }

            #[track_caller]
            fn poll_write_some(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let polled = $crate::net::ops::poll_write(&self.io, cx, buf);
                $crate::io_wait::record_pending(Self::RESOURCE, weft_coop::IoOp::Write, polled)
            }

            #[track_caller]
            fn poll_write_vectored(
                &self,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let polled = $crate::net::ops::poll_write_vectored(&self.io, cx, bufs);
                $crate::io_wait::record_pending(Self::RESOURCE, weft_coop::IoOp::Write, polled)
            }

            async fn read_some<'a>(&'a self, buf: &'a mut [u8]) -> std::io::Result<usize> {
                $crate::net::ops::read(&self.io, buf).await
            }

            async fn write_some<'a>(&'a self, buf: &'a [u8]) -> std::io::Result<usize> {
                $crate::net::ops::write(&self.io, buf).await
            }

            fn shutdown_write(&self) -> std::io::Result<()> {
                self.io
                    .shutdown_with(std::net::Shutdown::Write, |s, how| s.shutdown(how))
            }
        }

        impl $crate::net::SplitStream for $Stream {}

        $crate::net::byte_stream::byte_stream!(@read $Stream, |s| &*s);
        $crate::net::byte_stream::byte_stream!(@read &$Stream, |s| &**s);
        $crate::net::byte_stream::byte_stream!(@write $Stream, |s| &*s);
        $crate::net::byte_stream::byte_stream!(@write &$Stream, |s| &**s);

        $crate::net::socket::fd_impls!($Stream);
    };
    // `futures_io::AsyncRead`, for the stream and for a shared reference to it.
    (@read $ty:ty, |$s:ident| $deref:expr) => {
        impl futures_io::AsyncRead for $ty {
            #[track_caller]
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = self;
                $crate::net::split::sealed::Stream::poll_read_some($deref, cx, buf)
            }
        }
    };
    // `futures_io::AsyncWrite`: flushing is a no-op (nothing is buffered in user space);
    // closing shuts the write direction down.
    (@write $ty:ty, |$s:ident| $deref:expr) => {
        impl futures_io::AsyncWrite for $ty {
            #[track_caller]
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = self;
                $crate::net::split::sealed::Stream::poll_write_some($deref, cx, buf)
            }

            #[track_caller]
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $s = self;
                $crate::net::split::sealed::Stream::poll_write_vectored($deref, cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $s = self;
                std::task::Poll::Ready($crate::net::split::sealed::Stream::shutdown_write($deref))
            }
        }
    };
}

pub(crate) use byte_stream;
