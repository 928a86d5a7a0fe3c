//! Address resolution that never blocks the calling thread: [`ToSocketAddrs`] and
//! [`lookup_host`].
//!
//! The standard library's `ToSocketAddrs` hides whether a value is a literal address or a
//! name to look up, and looks names up with the blocking `getaddrinfo` on the calling thread:
//! on a worker, that stalls every task behind it for as long as DNS takes. weft's own trait,
//! implemented for the same types, tells the two apart without a syscall. Literals
//! (`"127.0.0.1:80"`, `SocketAddr`, `(IpAddr, u16)`) are parsed in place. A name is copied
//! into an owned string and looked up by the standard library on another thread
//! (`weft_coop::offload`: the runtime's blocking pool inside a weft runtime, a short-lived
//! thread outside one); the caller's task waits for the answer like any other I/O.
//!
//! The trait is sealed so that a type cannot slip a blocking lookup back onto the caller's
//! thread; resolve anything else yourself and pass the `SocketAddr`s (a slice works).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::Arc;
use std::task::{Poll, Waker};

use parking_lot::Mutex;

/// Something that is, or resolves to, socket addresses: what `connect`, `bind`, `send_to` and
/// [`lookup_host`] accept. Implemented for the types the standard library's `ToSocketAddrs`
/// is: `SocketAddr` (V4, V6), `(IpAddr, u16)` (and the V4, V6 forms), `&str`/`String` as
/// `"host:port"`, `(&str, u16)`/`(String, u16)`, `&[SocketAddr]`, and references to them.
/// Literal addresses are parsed in place; host names are looked up on another thread.
///
/// ```
/// use weft_reactor::net::ToSocketAddrs;
/// fn takes_addresses(_: impl ToSocketAddrs) {}
/// takes_addresses("127.0.0.1:80");
/// takes_addresses(("localhost", 80));
/// takes_addresses(std::net::SocketAddr::from(([127, 0, 0, 1], 80)));
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

/// Looks up `host` ("host:port", `(host, port)`, or any [`ToSocketAddrs`]) and returns every
/// address it resolves to, without blocking the calling thread (tokio's `lookup_host`).
///
/// A literal address comes back at once; a name is resolved by the system resolver on the
/// runtime's blocking pool (outside a weft runtime, on a short-lived thread), so a slow DNS
/// server delays only this task.
///
/// ```
/// weft_reactor::doc_support::block_on(async {
///     let addrs: Vec<_> = weft_reactor::net::lookup_host("localhost:80").await?.collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
///     let literal: Vec<_> = weft_reactor::net::lookup_host(("::1", 8080)).await?.collect();
///     assert_eq!(literal, ["[::1]:8080".parse().unwrap()]);
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<std::vec::IntoIter<SocketAddr>> {
    let addrs = match host.to_addrs() {
        sealed::Addrs::Literal(addrs) => addrs?,
        sealed::Addrs::Name(name) => look_up(name).await?,
    };
    Ok(addrs.into_iter())
}

/// `lookup_host`, refusing an empty answer: what the functions that connect or bind use.
pub(crate) async fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = lookup_host(addr).await?.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address did not resolve to any socket address",
        ));
    }
    Ok(addrs)
}

/// Resolves `name` with the standard library on another thread, waiting for the answer.
async fn look_up(name: sealed::Name) -> io::Result<Vec<SocketAddr>> {
    let slot = Arc::new(Mutex::new(Answer::Waiting(None)));
    let sender = Sender(Some(slot.clone()));
    weft_coop::offload(Box::new(move || {
        let answer = std::net::ToSocketAddrs::to_socket_addrs(&(name.host.as_str(), name.port));
        sender.send(answer.map(Iterator::collect));
    }));
    std::future::poll_fn(|cx| {
        let mut answer = slot.lock();
        match &mut *answer {
            Answer::Waiting(waker) => {
                if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            Answer::Done(result) => {
                Poll::Ready(result.take().unwrap_or_else(|| {
                    Err(io::Error::other("the lookup's answer was already taken"))
                }))
            }
        }
    })
    .await
}

/// What the lookup thread hands back: nothing yet (with the waiting task's waker), or the
/// answer.
enum Answer {
    Waiting(Option<Waker>),
    Done(Option<io::Result<Vec<SocketAddr>>>),
}

/// The lookup thread's end. Dropped without an answer (the pool refused the job, or the job
/// was dropped unrun at shutdown), it answers with an error so the waiting task never hangs.
struct Sender(Option<Arc<Mutex<Answer>>>);

impl Sender {
    fn send(mut self, result: io::Result<Vec<SocketAddr>>) {
        if let Some(slot) = self.0.take() {
            answer(&slot, result);
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            answer(
                &slot,
                Err(io::Error::other(
                    "the host name lookup did not run: the runtime is shutting down or no \
                     thread could be started for it",
                )),
            );
        }
    }
}

/// Stores the answer and wakes the waiting task (outside the lock: the waker may run it).
fn answer(slot: &Mutex<Answer>, result: io::Result<Vec<SocketAddr>>) {
    let waiting = std::mem::replace(&mut *slot.lock(), Answer::Done(Some(result)));
    if let Answer::Waiting(Some(waker)) = waiting {
        waker.wake();
    }
}

pub(crate) mod sealed {
    use super::*;

    /// What a [`ToSocketAddrs`] value turned out to be.
    #[derive(Debug)]
    pub enum Addrs {
        /// Parsed in place (or malformed: the error the standard library would give).
        Literal(io::Result<Vec<SocketAddr>>),
        /// A host name to look up.
        Name(Name),
    }

    /// An owned host name and port, ready to move to the lookup thread.
    #[derive(Debug)]
    pub struct Name {
        /// The host name (not an IP literal).
        pub host: String,
        /// The port.
        pub port: u16,
    }

    /// Keeps `ToSocketAddrs` implemented only here (see the module docs).
    pub trait Sealed {
        /// Parses a literal, or names the host to look up.
        fn to_addrs(&self) -> Addrs;
    }
}

use sealed::{Addrs, Name, Sealed};

fn one(addr: SocketAddr) -> Addrs {
    Addrs::Literal(Ok(vec![addr]))
}

fn invalid(msg: &'static str) -> Addrs {
    Addrs::Literal(Err(io::Error::new(io::ErrorKind::InvalidInput, msg)))
}

/// `host` and `port`: a literal IP is parsed in place, anything else is a name.
fn host_port(host: &str, port: u16) -> Addrs {
    match host.parse::<IpAddr>() {
        Ok(ip) => one(SocketAddr::new(ip, port)),
        Err(_) => Addrs::Name(Name {
            host: host.to_owned(),
            port,
        }),
    }
}

/// Literal address types: always parsed in place.
macro_rules! literal {
    ($($ty:ty => |$a:ident| $addr:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Sealed for $ty {
            fn to_addrs(&self) -> Addrs {
                let $a = *self;
                one($addr)
            }
        }
    )*};
}

literal! {
    SocketAddr => |a| a;
    SocketAddrV4 => |a| SocketAddr::V4(a);
    SocketAddrV6 => |a| SocketAddr::V6(a);
    (IpAddr, u16) => |a| SocketAddr::new(a.0, a.1);
    (Ipv4Addr, u16) => |a| SocketAddr::new(IpAddr::V4(a.0), a.1);
    (Ipv6Addr, u16) => |a| SocketAddr::new(IpAddr::V6(a.0), a.1);
}

impl ToSocketAddrs for [SocketAddr] {}
impl Sealed for [SocketAddr] {
    fn to_addrs(&self) -> Addrs {
        Addrs::Literal(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl Sealed for str {
    /// `"host:port"`, with the checks the standard library makes before it looks anything
    /// up, so a malformed address fails at once instead of on the lookup thread.
    fn to_addrs(&self) -> Addrs {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return one(addr);
        }
        let Some((host, port)) = self.rsplit_once(':') else {
            return invalid("invalid socket address");
        };
        let Ok(port) = port.parse::<u16>() else {
            return invalid("invalid port value");
        };
        host_port(host, port)
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn to_addrs(&self) -> Addrs {
        self.as_str().to_addrs()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn to_addrs(&self) -> Addrs {
        host_port(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn to_addrs(&self) -> Addrs {
        host_port(&self.0, self.1)
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Sealed + ?Sized> Sealed for &T {
    fn to_addrs(&self) -> Addrs {
        (**self).to_addrs()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn literal(addrs: Addrs) -> io::Result<Vec<SocketAddr>> {
        match addrs {
            Addrs::Literal(result) => result,
            Addrs::Name(name) => panic!("{name:?} was not parsed in place"),
        }
    }

    #[test]
    fn literals_are_parsed_in_place() {
        let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
        assert_eq!(literal("127.0.0.1:80".to_addrs()).unwrap(), [v4]);
        assert_eq!(literal(("127.0.0.1", 80).to_addrs()).unwrap(), [v4]);
        assert_eq!(
            literal((String::from("::1"), 1).to_addrs()).unwrap().len(),
            1
        );
        assert_eq!(literal(v4.to_addrs()).unwrap(), [v4]);
        assert!(
            literal((&[][..] as &[SocketAddr]).to_addrs())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn malformed_addresses_fail_without_a_lookup() {
        for bad in ["not an address", "host:port", "host:99999"] {
            let err = literal(bad.to_addrs()).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn names_are_looked_up_elsewhere() {
        assert!(matches!(
            "localhost:80".to_addrs(),
            Addrs::Name(Name { host, port: 80 }) if host == "localhost"
        ));
        assert!(matches!(("example.invalid", 1).to_addrs(), Addrs::Name(_)));
    }

    #[test]
    fn a_dropped_job_answers_with_an_error() {
        let slot = Arc::new(Mutex::new(Answer::Waiting(None)));
        drop(Sender(Some(slot.clone())));
        match &mut *slot.lock() {
            Answer::Done(Some(Err(err))) => assert!(err.to_string().contains("did not run")),
            _ => panic!("no error answer"),
        };
    }
}
