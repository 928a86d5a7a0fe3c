//! `lookup_host` and name resolution in `connect`: names are looked up on the blocking pool,
//! never on a worker; literals are parsed in place.

use std::time::Duration;

use weft::net::{TcpListener, TcpStream, lookup_host};
use weft_test_support::within;

fn one_worker() -> weft::Runtime {
    weft::Builder::new().worker_threads(1).build().unwrap()
}

#[test]
fn connecting_by_name_resolves_on_the_blocking_pool() {
    within(Duration::from_secs(60), || {
        let rt = one_worker();
        let handle = rt.handle().clone();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            // A literal: no lookup, so the blocking pool starts no thread.
            let task = weft::spawn(async move { TcpStream::connect(("127.0.0.1", port)).await });
            task.await.unwrap().unwrap();
            assert_eq!(handle.blocking_threads(), 0);
            // A name, from a task on the only worker: the lookup runs on a pool thread.
            let task = weft::spawn(async move { TcpStream::connect(("localhost", port)).await });
            let stream = task.await.unwrap().unwrap();
            assert!(stream.peer_addr().unwrap().ip().is_loopback());
            assert_eq!(handle.blocking_threads(), 1);
        });
    });
}

#[test]
fn lookup_host_from_a_task_returns_every_address() {
    within(Duration::from_secs(60), || {
        let rt = one_worker();
        rt.block_on(async {
            let lookup = weft::spawn(lookup_host("localhost:443"));
            let addrs: Vec<_> = lookup.await.unwrap().unwrap().collect();
            assert!(
                addrs
                    .iter()
                    .all(|a| a.ip().is_loopback() && a.port() == 443)
            );
        });
    });
}

#[test]
fn lookup_host_works_outside_a_runtime() {
    within(Duration::from_secs(60), || {
        let addrs: Vec<_> = weft_test_support::block_on(lookup_host("localhost:80"))
            .unwrap()
            .collect();
        assert!(!addrs.is_empty());
        let err = weft_test_support::block_on(lookup_host("no port here")).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}
