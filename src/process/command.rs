//! `Command`: what to run and how to wire its stdio (std's builder, async at the end).

use super::{Child, ExitStatus, Output, Stdio};
use std::ffi::OsStr;
use std::future::Future;
use std::io;
#[cfg(unix)]
use std::os::unix::process::CommandExt;
use std::path::Path;

/// A process to spawn (asyncio's `create_subprocess_exec`): std's `Command` with async
/// `spawn`/`output`/`status`.
///
/// ```
/// # weft::run(async {
/// let status = weft::process::Command::new("true").status().await?;
/// assert!(status.success());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    inner: std::process::Command,
    kill_on_drop: bool,
    /// asyncio's `stderr=STDOUT`: one pipe for both, made afresh at each spawn.
    stderr_to_stdout: bool,
}

/// A std `Command` (program, arguments, environment, directory, stdio, Unix options) as a
/// weft `Command`, for code that already builds one.
///
/// ```
/// # weft::run(async {
/// let mut std_cmd = std::process::Command::new("sh");
/// std_cmd.args(["-c", "echo $GREETING"]).env("GREETING", "from std");
/// let out = weft::process::Command::from(std_cmd).output().await?;
/// assert_eq!(out.stdout, b"from std\n");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
impl From<std::process::Command> for Command {
    fn from(inner: std::process::Command) -> Command {
        Command {
            inner,
            kill_on_drop: false,
            stderr_to_stdout: false,
        }
    }
}

impl Command {
    /// A command for `program`, found on `PATH` as by std.
    ///
    /// ```
    /// let _ = weft::process::Command::new("ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// A command that runs `cmd` through the shell, `/bin/sh -c cmd` (asyncio's
    /// `create_subprocess_shell`). The whole string is shell syntax: quote anything that
    /// comes from outside (or use [`Command::new`] with arguments, which needs no quoting).
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::shell("echo one two | wc -w").output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[doc(alias = "create_subprocess_shell")]
    pub fn shell(cmd: impl AsRef<OsStr>) -> Command {
        #[cfg(unix)]
        let mut command = Command::new("/bin/sh");
        #[cfg(unix)]
        command.arg("-c").arg(cmd);
        // asyncio runs `cmd.exe /c` (through COMSPEC) on Windows.
        #[cfg(windows)]
        let mut command =
            Command::new(std::env::var_os("COMSPEC").unwrap_or_else(|| "cmd.exe".into()));
        #[cfg(windows)]
        command.arg("/C").arg(cmd);
        command
    }

    /// Adds one argument.
    ///
    /// ```
    /// let _ = weft::process::Command::new("echo").arg("hi");
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.inner.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// ```
    /// let _ = weft::process::Command::new("echo").args(["a", "b"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// ```
    /// let _ = weft::process::Command::new("env").env("GREETING", "hi");
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env(key, value);
        self
    }

    /// Sets several environment variables.
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::new("sh")
    ///     .args(["-c", "echo $A$B"])
    ///     .envs([("A", "1"), ("B", "2")])
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"12\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.inner.envs(vars);
        self
    }

    /// Removes one variable from the child's environment.
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::new("sh")
    ///     .args(["-c", "echo ${HOME:-unset}"])
    ///     .env_remove("HOME")
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"unset\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (then add what it needs with
    /// [`env`](Command::env)).
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::new("/usr/bin/env").env_clear().env("ONLY", "me").output().await?;
    /// assert_eq!(out.stdout, b"ONLY=me\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.inner.env_clear();
        self
    }

    /// Sets the child's working directory.
    ///
    /// ```
    /// let _ = weft::process::Command::new("pwd").current_dir("/");
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.inner.current_dir(dir);
        self
    }

    /// Configures the child's standard input (`Stdio::piped()` gives [`Child::stdin`]).
    ///
    /// ```
    /// let _ = weft::process::Command::new("cat").stdin(weft::process::Stdio::piped());
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdin(cfg);
        self
    }

    /// Configures the child's standard output.
    ///
    /// ```
    /// let _ = weft::process::Command::new("ls").stdout(weft::process::Stdio::null());
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdout(cfg);
        self
    }

    /// Configures the child's standard error.
    ///
    /// ```
    /// let _ = weft::process::Command::new("ls").stderr(weft::process::Stdio::inherit());
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stderr(cfg);
        self
    }

    /// Sends the child's standard error into its standard output pipe (asyncio's
    /// `stderr=asyncio.subprocess.STDOUT`): [`Child::stdout`] then reads both, interleaved in
    /// the order the child wrote them, and [`Child::stderr`] is `None`. This pipes stdout
    /// and overrides [`stdout`](Command::stdout) and [`stderr`](Command::stderr).
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::shell("echo out; echo err >&2; echo out again")
    ///     .stderr_to_stdout()
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"out\nerr\nout again\n");
    /// assert!(out.stderr.is_empty());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn stderr_to_stdout(&mut self) -> &mut Command {
        self.stderr_to_stdout = true;
        self
    }

    /// Runs the child as user `id` (`setuid` in the child; std's `CommandExt::uid`).
    /// Needs the privilege to do so: otherwise `spawn` fails with `PermissionDenied`.
    ///
    /// ```
    /// # weft::run(async {
    /// // Our own uid is always allowed.
    /// let me = std::fs::metadata("/proc/self")?;
    /// use std::os::unix::fs::MetadataExt;
    /// let out = weft::process::Command::new("id").arg("-u").uid(me.uid()).output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), me.uid().to_string());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.inner.uid(id);
        self
    }

    /// Runs the child with group `id` (`setgid` in the child; std's `CommandExt::gid`).
    ///
    /// ```
    /// # weft::run(async {
    /// let me = std::fs::metadata("/proc/self")?;
    /// use std::os::unix::fs::MetadataExt;
    /// let out = weft::process::Command::new("id").arg("-g").gid(me.gid()).output().await?;
    /// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), me.gid().to_string());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.inner.gid(id);
        self
    }

    /// Puts the child in process group `pgroup` (`0`: a new group led by the child), so a
    /// terminal's Ctrl-C does not reach it and the group can be signalled as one (std's
    /// `CommandExt::process_group`; asyncio's `process_group=`).
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::new("sh")
    ///     // Field 5 of /proc/PID/stat is the process group; `cut` inherits the shell's.
    ///     .args(["-c", r#"[ "$(cut -d' ' -f5 /proc/self/stat)" = $$ ] && echo leader"#])
    ///     .process_group(0)
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.stdout, b"leader\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.inner.process_group(pgroup);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec` (std's `CommandExt::pre_exec`;
    /// asyncio's `preexec_fn`). An error it returns fails `spawn` with that error.
    ///
    /// # Safety
    ///
    /// As for std's `pre_exec`: `f` runs in a forked copy of a multi-threaded process, where
    /// only async-signal-safe calls are sound (no allocation, no locks another thread may
    /// have held at the fork), and it must not touch the descriptors std uses to report the
    /// exec's failure.
    ///
    /// ```
    /// # weft::run(async {
    /// let mut cmd = weft::process::Command::new("true");
    /// // SAFETY: the closure only returns an error value: no allocation, no lock.
    /// unsafe {
    ///     cmd.pre_exec(|| Err(std::io::Error::from_raw_os_error(libc::EPERM)));
    /// }
    /// let err = cmd.spawn().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    /// # });
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller upholds std's contract, restated in this method's `# Safety`.
        unsafe { self.inner.pre_exec(f) };
        self
    }

    /// Kill the child (SIGKILL) if its [`Child`] is dropped while it still runs — what
    /// asyncio does when a subprocess transport is closed. Off by default, as in std.
    ///
    /// ```
    /// let _ = weft::process::Command::new("sleep").arg("60").kill_on_drop(true);
    /// ```
    pub fn kill_on_drop(&mut self, kill: bool) -> &mut Command {
        self.kill_on_drop = kill;
        self
    }

    /// Starts the process. Must be called inside a weft runtime (the pipes and the exit
    /// watcher register with its reactor).
    ///
    /// # Errors
    ///
    /// The OS error when the program cannot be started (e.g. `NotFound`).
    ///
    /// ```
    /// # weft::run(async {
    /// let err = weft::process::Command::new("/no/such/program").spawn().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub fn spawn(&mut self) -> io::Result<Child> {
        if !self.stderr_to_stdout {
            return Child::new(self.inner.spawn()?, self.kill_on_drop, None);
        }
        let (read, write) = std::io::pipe()?;
        self.inner.stdout(write.try_clone()?).stderr(write);
        let spawned = self.inner.spawn();
        // The std command keeps its `Stdio`s (here our write ends) until they are replaced:
        // drop them now, or the pipe never reports end of stream.
        self.inner.stdout(Stdio::null()).stderr(Stdio::null());
        Child::new(spawned?, self.kill_on_drop, Some(read))
    }

    /// Runs the process to completion with stdout and stderr captured (stdin null unless
    /// configured) and returns them with the exit status.
    ///
    /// ```
    /// # weft::run(async {
    /// let out = weft::process::Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]).output().await?;
    /// assert_eq!(out.status.code(), Some(3));
    /// assert_eq!(out.stdout, b"out\n");
    /// assert_eq!(out.stderr, b"err\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        super::exit_wait(async move {
            self.inner
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            self.spawn()?.wait_with_output().await
        })
    }

    /// Runs the process to completion (inheriting stdio) and returns its exit status.
    ///
    /// ```
    /// # weft::run(async {
    /// assert!(!weft::process::Command::new("false").status().await?.success());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        super::exit_wait(async move { self.spawn()?.wait().await })
    }
}
