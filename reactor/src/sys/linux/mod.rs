//! Linux-only fast paths. Each one has a portable fallback that every other Unix uses and that
//! Linux falls back to when the kernel refuses the fast path (see the parent module).

pub(crate) mod epoll;
pub(crate) mod pidfd;
pub(crate) mod plain_tcp;
pub(crate) mod sendfile;
