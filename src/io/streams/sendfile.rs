//! [`StreamWriter::sendfile`]: asyncio's `loop.sendfile(transport, file, offset, count)`.
//!
//! Two paths, chosen per call, as asyncio does. On Linux, a writer over a TCP or Unix socket
//! uses `sendfile(2)` (the reactor's `TcpStream::sendfile`): the kernel moves the file's
//! pages into the socket with no copy through this process, driven by write readiness like
//! any write. Everywhere else — other platforms, a writer over any other `AsyncWrite` (a TLS
//! stream cannot take plaintext pages behind its back), or a file the kernel refuses
//! (`ErrorKind::Unsupported`, asyncio's `SendfileNotAvailableError`) — the fallback reads
//! 64 KiB chunks on the blocking pool (`pread`, so a slow disk never stalls a worker) and
//! hands each to `write` + `drain`, so the writer's water marks bound the memory in flight.
//!
//! Both paths first wait until the writer's buffer is empty, so the file's bytes follow
//! everything written before in order. Neither uses or moves the file's own position
//! (asyncio moves it); the offset is explicit.

use std::fs::File;
use std::future::{Future, poll_fn};
use std::io;
use std::sync::Arc;

use super::StreamWriter;

/// The fallback's chunk: one blocking-pool job per 64 KiB, the writer's default high-water
/// mark, so a chunk fits the buffer before `drain` applies backpressure.
const CHUNK: usize = 64 * 1024;

impl StreamWriter {
    /// Sends `count` bytes of `file` starting at `offset` (to the end of the file for
    /// `None`) and returns how many were sent: fewer than `count` only when the file ends
    /// first. Bytes written before are sent first.
    ///
    /// On Linux over a TCP or Unix socket this is zero-copy `sendfile(2)`; elsewhere, and
    /// when the kernel refuses the file, the bytes are read on the blocking pool and written
    /// (see the module docs of `weft::io`). Unlike asyncio, the file's position is neither
    /// used nor moved. Do not write from another task while `sendfile` runs: its bytes could
    /// land between the file's.
    ///
    /// # Errors
    ///
    /// The writer's error if the connection failed, was closed or half-closed
    /// (`write_eof`), the I/O error of reading the file, or of sending (a peer that went
    /// away). The bytes before the failure may have been sent.
    ///
    /// ```
    /// use std::io::Write;
    /// weft::run(async {
    ///     let path = std::env::temp_dir().join(format!("weft-doc-sf-{}", std::process::id()));
    ///     std::fs::write(&path, b"header\nthe body of the file\n")?;
    ///     let file = std::fs::File::open(&path)?;
    ///     let (a, b) = weft::net::UnixStream::pair()?;
    ///     let (_ra, writer) = weft::io::open_stream(a)?;
    ///     writer.write(b"sending: ")?;
    ///     let sent = writer.sendfile(&file, 7, None).await?; // skip the header
    ///     assert_eq!(sent, 21);
    ///     writer.close();
    ///     let (mut reader, _wb) = weft::io::open_stream(b)?;
    ///     assert_eq!(reader.read_to_end().await?, b"sending: the body of the file\n");
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn sendfile<'a>(
        &'a self,
        file: &'a File,
        offset: u64,
        count: Option<u64>,
    ) -> impl Future<Output = io::Result<u64>> + 'a {
        weft_coop::waiting_at(std::panic::Location::caller(), async move {
            let transport = &self.transport;
            transport.check_writable()?;
            poll_fn(|cx| transport.poll_flushed(cx)).await?;
            transport.check_writable()?;
            #[cfg(target_os = "linux")]
            if let Some(socket) = transport.socket() {
                let sent = match socket {
                    super::StreamSocket::Tcp(s) => s.sendfile(file, offset, count).await,
                    super::StreamSocket::Unix(s) => s.sendfile(file, offset, count).await,
                };
                match sent {
                    Ok(n) => return Ok(n),
                    // Nothing was sent: copy instead.
                    Err(err) if err.kind() == io::ErrorKind::Unsupported => {}
                    Err(err) => {
                        // The connection is broken: later writes and drains say so too.
                        transport.fail(&err);
                        return Err(err);
                    }
                }
            }
            self.sendfile_by_copy(file, offset, count).await
        })
    }

    /// The portable path: chunks read on the blocking pool, written with `write` + `drain`.
    async fn sendfile_by_copy(
        &self,
        file: &File,
        offset: u64,
        count: Option<u64>,
    ) -> io::Result<u64> {
        let handle = super::current_handle()?;
        // A duplicate descriptor the blocking jobs can own; `read_at` leaves the shared
        // file position alone, so the caller's `file` is unaffected.
        let file = Arc::new(file.try_clone()?);
        let mut sent = 0u64;
        let mut remaining = count.unwrap_or(u64::MAX);
        while remaining > 0 {
            let want = usize::try_from(remaining).map_or(CHUNK, |r| r.min(CHUNK));
            let position = offset.checked_add(sent).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "sendfile: offset + count overflows",
                )
            })?;
            let source = file.clone();
            let chunk = handle
                .spawn_blocking(move || read_chunk(&source, position, want))
                .await
                .map_err(|err| {
                    io::Error::other(format!("sendfile: reading the file failed: {err}"))
                })??;
            if chunk.is_empty() {
                break; // the end of the file
            }
            self.write(&chunk)?;
            self.drain().await?;
            // `chunk.len() <= want <= remaining`.
            sent += chunk.len() as u64;
            remaining -= chunk.len() as u64;
        }
        Ok(sent)
    }
}

/// Up to `want` bytes of `file` at `position`; fewer only at the end of the file.
///
/// On Windows the positional read (`seek_read`) also moves the cursor that the duplicate
/// shares with the caller's handle: the one place where `sendfile` leaves a trace there.
fn read_chunk(file: &File, position: u64, want: usize) -> io::Result<Vec<u8>> {
    #[cfg(unix)]
    use std::os::unix::fs::FileExt;
    #[cfg(windows)]
    use std::os::windows::fs::FileExt;
    #[cfg(windows)]
    let read_at = |buf: &mut [u8], at| file.seek_read(buf, at);
    #[cfg(unix)]
    let read_at = |buf: &mut [u8], at| file.read_at(buf, at);
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match read_at(&mut buf[filled..], position + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}
