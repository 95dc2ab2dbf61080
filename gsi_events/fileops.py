"""Writing to the checkout safely: one lock for the commands that allocate ids or publish,
all-or-nothing writes of a set of files, regular files read with a size cap, and file
system errors turned into Problems (standard library only).

- `locked(root, what)`: an exclusive lock on `<root>/.gsi-events.lock` (fcntl.flock, so
  the kernel releases it when the process dies, even by SIGKILL). `add-source` holds it
  while it allocates an id and writes; `release` while it publishes. A second command
  waits up to `LOCK_WAIT` seconds, then stops with the problem `lock.busy`.
- `write_files(folder, files)`: write every file under a temporary name, then rename each
  into place; on any failure the temporary files (and the files already renamed, when
  they are new) are removed.
- `read_regular(path, limit)`: a regular file's bytes, refusing pipes, devices, folders
  and files above `limit` bytes (no read of /dev/zero until memory runs out).
- `outside(path, root)` / `refuse_outside(folder, root)`: where a path really leads when a
  symbolic link (the path's own, or a folder's above it) takes it out of the checkout;
  nothing is read from or written to such a place. `Realpaths(root).outside(path)` gives
  the same answer for the many files of one reading, resolving each folder once.
- `os_problem(error, root)`: an OSError as a Problem naming the file.

The rules these steps report are declared in FILE_RULES, with their words.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gsi_events.problems import Problem, ProblemsFound, Rules

LOCK_FILE = ".gsi-events.lock"  # in the checkout's root; gitignored
LOCK_WAIT = 120.0  # seconds a command waits for another to finish (a release of a large
# checkout on a busy machine holds the lock for a minute or more)

try:  # POSIX; elsewhere commands run unlocked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


FILE_RULES = Rules({
    "file.write": "cannot be written: {what}{hint}",
    "file.outside_checkout:write": "{path} leads out of the checkout {root} through a "
                                   "symbolic link (to {real}); nothing is written there: "
                                   "make it a folder inside the repository",
    "lock.unavailable": "cannot open the checkout's lock file to {what}: {why} ({hint})",
    "lock.busy": "another gsi-events command is writing to this checkout ({holder}), so "
                 "this one cannot {what} now; run it again when that one has finished",
})


def _relative(name: str | os.PathLike[str] | bytes | None, root: Path | None) -> str:
    if name is None:
        return "(a file)"
    text = os.fsdecode(name)
    if root is not None:
        try:
            return Path(text).resolve().relative_to(Path(root).resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return text


_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
    errno.EROFS: "the file system is read-only; run the command in a writable checkout",
    errno.EACCES: "permission denied; check the folder's permissions",
    errno.EPERM: "permission denied; check the folder's permissions",
}


def os_problem(error: OSError, root: Path | None = None) -> Problem:
    """An OSError (disk full, read-only file system, permission denied, ...) as a Problem
    naming the file it concerns."""
    hint = _HINTS.get(error.errno or 0)
    return FILE_RULES.problem("file.write", _relative(error.filename, root), "",
                              what=error.strerror or str(error) or type(error).__name__,
                              hint=f" ({hint})" if hint else "")


@contextmanager
def os_problems(root: Path | None = None) -> Iterator[None]:
    """Turn an OSError raised inside into ProblemsFound naming the file."""
    try:
        yield
    except OSError as e:
        raise ProblemsFound([os_problem(e, root)]) from None


@contextmanager
def locked(root: Path, what: str, wait: float | None = None) -> Iterator[None]:
    """Hold the checkout's lock while the block runs (see the module's docstring)."""
    path = Path(root) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise ProblemsFound([FILE_RULES.problem(
            "lock.unavailable", LOCK_FILE, "", what=what, why=e.strerror,
            hint=_HINTS.get(e.errno or 0, "check the folder"))]) from None
    try:
        if fcntl is not None:
            deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                        raise ProblemsFound([FILE_RULES.problem(
                            "lock.busy", LOCK_FILE, "", holder=holder or "unknown",
                            what=what)]) from None
                    time.sleep(0.05)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"pid {os.getpid()}: {what}".encode(), 0)
            except OSError:
                pass  # the note is a courtesy; the lock is what counts
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def _naming(target: Path) -> Iterator[None]:
    """An OSError raised inside names `target`, the file being written, not the
    temporary file (already removed when the problem is shown) or nothing."""
    try:
        yield
    except OSError as e:
        if e.errno is None:
            raise
        raise OSError(e.errno, e.strerror, os.fspath(target)) from e


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """All the files or none: write each under a temporary name, then rename them into
    place. On failure, temporary files are removed, and so are files this call created."""
    folder = Path(folder)
    temps: dict[str, str] = {}
    created: list[Path] = []
    try:
        for name, data in files.items():
            with _naming(folder / name):
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
                temps[name] = tmp
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
        for name, tmp in temps.items():
            target = folder / name
            new = not target.exists()
            with _naming(target):
                os.replace(tmp, target)
            if new:
                created.append(target)
    except BaseException:
        for target in created:
            target.unlink(missing_ok=True)
        raise
    finally:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)


def outside(path: Path, root: Path) -> Path | None:
    """Where `path` really leads, when a symbolic link (its own or a parent folder's) takes
    it out of `root`; None when it stays inside. A link loop counts as outside."""
    try:
        real = Path(path).resolve()
        base = Path(root).resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        return Path(path)
    return None if real == base or real.is_relative_to(base) else real


class Realpaths:
    """`outside(path, root)` for the many files of one reading: each folder's real path is
    resolved once and the file itself is only lstat-ed (Path.resolve of every file cost
    more than parsing it); a file that is a link, or anything unusual, takes `outside`
    itself. Folders are remembered for the life of the object: make one per reading."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            base = os.fspath(self.root.resolve())
        except (OSError, RuntimeError):
            base = None
        self.base = base
        self.prefix = None if base is None else base.rstrip(os.sep) + os.sep
        self.folders: dict[str, str | None] = {}  # folder -> real path; None: ask outside

    def folder(self, name: str) -> str | None:
        if name not in self.folders:
            try:
                real: str | None = os.fspath(Path(name).resolve())
            except (OSError, RuntimeError):  # a link loop: outside() says what to say
                real = None
            self.folders[name] = real
        return self.folders[name]

    def outside(self, path: Path, info: os.stat_result | None = None) -> Path | None:
        """As `outside(path, self.root)`. `info`: the file's lstat, when already taken
        (a missing file has none)."""
        folder, name = os.path.split(os.fspath(path))
        real_folder = self.folder(folder) if name not in ("", ".", "..") else None
        if real_folder is None or self.prefix is None:
            return outside(path, self.root)
        if info is None:
            try:
                info = os.lstat(path)
            except FileNotFoundError:  # resolves as its folder's real path and its name
                info = None
            except OSError:
                return outside(path, self.root)
        if info is not None and stat.S_ISLNK(info.st_mode):
            return outside(path, self.root)
        real = os.path.join(real_folder, name)
        if real == self.base or real.startswith(self.prefix):
            return None
        return Path(real)


def refuse_outside(folder: Path, root: Path) -> None:
    """Raise ProblemsFound when writing into `folder` would write outside the checkout
    `root` (the folder, or one above it, is a symbolic link out of it)."""
    real = outside(folder, root)
    if real is not None:
        try:
            rel = Path(folder).relative_to(root).as_posix()
        except ValueError:
            rel = os.fspath(folder)
        raise ProblemsFound([FILE_RULES.problem("file.outside_checkout:write", rel, "",
                                                path=rel, root=Path(root).resolve(),
                                                real=real)])


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Raises ValueError, saying
    why, for a pipe, device or socket, or a larger file (OSError as usual, and
    IsADirectoryError for a folder)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file (a named pipe, device, socket or folder)")
        if info.st_size > limit:
            raise ValueError(f"is {info.st_size:,} bytes, more than the {limit:,} allowed")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"is more than the {limit:,} bytes allowed")
        return data
    finally:
        os.close(fd)
