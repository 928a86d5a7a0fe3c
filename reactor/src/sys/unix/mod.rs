//! What every Unix shares: POSIX calls only, with no Linux-only name outside
//! `cfg(target_os = "linux")` (checked by `.ci/portability.py`).

pub mod child;
pub(crate) mod fd;
pub mod signal;
pub(crate) mod sockopt;
