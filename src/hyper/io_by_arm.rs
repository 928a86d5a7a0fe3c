//! hyper's `Read` and `Write` for an enum of byte streams whose every arm holds a
//! `WeftIo`, by value or boxed: `MaybeHttpsStream` (a client's plain or TLS connection,
//! feature `tls`) and the served connection's `ConnIo`. Each method
//! delegates to the arm's own, so the plain arm keeps `WeftIo`'s socket fast path; the price
//! is one `match` per call.
//!
//! A macro rather than a generic impl: the enums are the crate's own, hyper's traits are
//! not, and the arms differ per enum (one is behind a feature).

/// An arm's stream: a `WeftIo` itself, or a box of one (a TLS session is a few kilobytes, a
/// socket a few words).
pub(super) trait Arm {
    /// The `WeftIo` inside.
    type Io: hyper::rt::Read + hyper::rt::Write + Unpin;
    /// It, for a poll.
    fn io(&mut self) -> &mut Self::Io;
    /// It, for a question.
    fn io_ref(&self) -> &Self::Io;
}

impl<T> Arm for super::WeftIo<T>
where
    super::WeftIo<T>: hyper::rt::Read + hyper::rt::Write + Unpin,
{
    type Io = Self;
    fn io(&mut self) -> &mut Self {
        self
    }
    fn io_ref(&self) -> &Self {
        self
    }
}

impl<T> Arm for Box<super::WeftIo<T>>
where
    super::WeftIo<T>: hyper::rt::Read + hyper::rt::Write + Unpin,
{
    type Io = super::WeftIo<T>;
    fn io(&mut self) -> &mut super::WeftIo<T> {
        self
    }
    fn io_ref(&self) -> &super::WeftIo<T> {
        self
    }
}

/// `hyper_io_by_arm!(impl[GENERICS] for TYPE where BOUNDS { ARMS })`, each arm a variant
/// (with its `#[cfg]`, if any) holding an [`Arm`].
macro_rules! hyper_io_by_arm {
    (
        impl[$($generics:tt)*] for $ty:ty where [$($bounds:tt)*]
        { $($(#[$meta:meta])* $variant:ident),+ $(,)? }
    ) => {
        /// Runs `$body` with `$io` bound to the arm's pinned `WeftIo`.
        macro_rules! on_arm {
            ($self:expr, |$io:ident| $body:expr) => {
                match $self.get_mut() {
                    $($(#[$meta])* Self::$variant(arm) => {
                        let $io = std::pin::Pin::new($crate::hyper::io_by_arm::Arm::io(arm));
                        $body
                    })+
                }
            };
        }

        impl<$($generics)*> hyper::rt::Read for $ty where $($bounds)* {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: hyper::rt::ReadBufCursor<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                on_arm!(self, |io| io.poll_read(cx, buf))
            }
        }

        impl<$($generics)*> hyper::rt::Write for $ty where $($bounds)* {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                on_arm!(self, |io| io.poll_write(cx, buf))
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                on_arm!(self, |io| io.poll_flush(cx))
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                on_arm!(self, |io| io.poll_shutdown(cx))
            }

            fn is_write_vectored(&self) -> bool {
                match self {
                    $($(#[$meta])* Self::$variant(arm) => {
                        hyper::rt::Write::is_write_vectored(
                            $crate::hyper::io_by_arm::Arm::io_ref(arm),
                        )
                    })+
                }
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                on_arm!(self, |io| io.poll_write_vectored(cx, bufs))
            }
        }
    };
}

pub(super) use hyper_io_by_arm;
