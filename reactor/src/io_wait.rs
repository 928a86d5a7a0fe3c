//! Wait points of I/O operations: what a task waiting on a socket shows in task dumps
//! (`TcpStream::read at src/server.rs:42`). Every operation that can wait is
//! `#[track_caller]` and goes through one of these two helpers with its own name; see
//! [`weft_coop::record`] for what recording costs.

/// Wraps an I/O operation's future so that while it waits, task dumps show
/// `resource::op` at the line that called the (`#[track_caller]`) operation.
#[track_caller]
pub(crate) fn io_wait<F: std::future::Future>(
    resource: weft_coop::IoResource,
    op: weft_coop::IoOp,
    future: F,
) -> weft_coop::WaitingAs<F> {
    let kind = weft_coop::WaitKind::Io(resource, op);
    weft_coop::waiting_as(kind, std::panic::Location::caller(), future)
}

/// Records `resource::op` at the line that called the (`#[track_caller]`) poll-style
/// operation, when it returns `Pending`; passes the poll on.
#[track_caller]
pub(crate) fn record_pending<R>(
    resource: weft_coop::IoResource,
    op: weft_coop::IoOp,
    polled: std::task::Poll<R>,
) -> std::task::Poll<R> {
    let kind = weft_coop::WaitKind::Io(resource, op);
    weft_coop::note_pending(kind, std::panic::Location::caller(), polled)
}
