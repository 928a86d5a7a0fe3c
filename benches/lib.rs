//! weft's benchmarks: the bench targets of this package (`rt.rs`, `channels.rs`, ...) run
//! weft beside tokio and smol with the same worker count; `run.sh` runs them all and
//! `report.py` writes BENCHMARKS.md. This library is empty: a package needs a target of its
//! own besides its benches.
