"""Write the user's files so that keys stay private and a crash never leaves half a file.

Every write goes to a temporary file in the destination folder (`.<name>.tmp-<16 hex>`), is
flushed to disk, and only then appears under its real name, by hard link when an existing file
must never be replaced (keys) or by rename when it may. Writes and removals refuse symlinks in
the path: a planted link must not redirect a private key to where someone else can read it.
Symlinks directly under the filesystem root are the exception; they are the operating system's
layout (macOS /tmp and /var, /home on some distributions) and only root can change them.

POSIX only: it relies on O_NOFOLLOW and on file operations relative to a directory descriptor.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path

from iotforge.errors import BadInputError, IotforgeError

PRIVATE_FILE_MODE = 0o600
DEFAULT_FILE_MODE = 0o644
PRIVATE_DIR_MODE = 0o700
DEFAULT_MAX_READ_BYTES = 16 * 1024 * 1024

_TEMP_NAME = re.compile(r"\..+\.tmp-[0-9a-f]{16}")
# Keep temporary names under the usual 255-byte limit on file names.
_TEMP_STEM_MAX = 200
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# Filesystems that cannot hard link (FAT, some network and FUSE mounts) answer with these.
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}

StrPath = str | os.PathLike[str]


def write_private(path: StrPath, data: bytes) -> Path:
    """Create `path` with mode 0600 holding `data`; refuse if anything exists there already."""
    target = _absolute(path)
    _refuse_symlinks(target)
    if _lexists(target):
        raise BadInputError(
            f"{target} already exists; iotforge never overwrites a key or certificate",
            "Move the existing file away (or delete it if it is no longer needed), then retry.",
        )
    _write(target, data, mode=PRIVATE_FILE_MODE, exact_mode=True, replace=False)
    return target


def write_atomic(path: StrPath, data: bytes, mode: int | None = None, overwrite: bool = True) -> Path:
    """Write `data` to `path` all at once.

    With `mode`, the file gets exactly that mode. Without, a replaced file keeps its mode and a
    new one gets 0644 less the umask.
    """
    target = _absolute(path)
    _refuse_symlinks(target)
    existing = _lstat(target)
    if existing is not None:
        if not overwrite:
            raise BadInputError(
                f"{target} already exists",
                "Move it away or choose another path, then retry.",
            )
        if not stat.S_ISREG(existing.st_mode):
            raise BadInputError(
                f"{target} exists and is not a regular file",
                "Remove it or choose another path, then retry.",
            )
    if mode is not None:
        _write(target, data, mode=mode, exact_mode=True, replace=overwrite)
    elif existing is not None:
        _write(target, data, mode=stat.S_IMODE(existing.st_mode), exact_mode=True, replace=True)
    else:
        _write(target, data, mode=DEFAULT_FILE_MODE, exact_mode=False, replace=overwrite)
    return target


def check_writable(path: StrPath) -> Path:
    """Refuse now what a later write_private or write_atomic to `path` would refuse.

    A symbolic link on the way, something at `path` that is not a regular file, or a file where
    a folder on the way should be: found before the caller does anything it cannot undo.
    """
    target = _absolute(path)
    _refuse_symlinks(target)
    existing = _lstat(target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise BadInputError(
            f"{target} exists and is not a regular file", "Remove it or choose another path, then retry."
        )
    for folder in target.parents:
        if _lexists(folder):
            if not os.path.isdir(folder):
                raise BadInputError(
                    f"{folder} exists and is not a folder", "Remove it or choose another path, then retry."
                )
            break
    return target


def ensure_private_dir(path: StrPath) -> Path:
    """Create `path` and any missing parents with mode 0700; tighten an existing folder to 0700."""
    target = _absolute(path, folder=True)
    _refuse_symlinks(target)
    missing: list[Path] = []
    for folder in [target, *target.parents]:
        if _lexists(folder):
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            pass  # created concurrently; the checks below still apply
        except OSError as exc:
            raise _os_failure("create the folder", folder, exc) from exc
    try:
        fd = os.open(target, _folder_flags(target))
    except (NotADirectoryError, FileNotFoundError) as exc:
        raise BadInputError(
            f"{target} exists and is not a folder",
            "Remove it or choose another path, then retry.",
        ) from exc
    except OSError as exc:
        raise _os_failure("open the folder", target, exc) from exc
    try:
        info = os.fstat(fd)
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise BadInputError(
                f"{target} belongs to another user, so keys written there would not be private",
                "Choose a folder you own.",
            )
        if stat.S_IMODE(info.st_mode) != PRIVATE_DIR_MODE:
            os.fchmod(fd, PRIVATE_DIR_MODE)
    except OSError as exc:
        raise _os_failure("restrict the permissions of", target, exc) from exc
    finally:
        os.close(fd)
    return target


def remove_file(path: StrPath) -> bool:
    """Delete the file at `path`; return False if there was nothing to delete."""
    target = _absolute(path)
    _refuse_symlinks(target.parent)
    try:
        os.unlink(target)
    except FileNotFoundError:
        return False
    except IsADirectoryError as exc:
        raise BadInputError(f"{target} is a folder, not a file", "Check the path.") from exc
    except OSError as exc:
        if exc.errno == errno.EPERM and os.path.isdir(target):
            raise BadInputError(f"{target} is a folder, not a file", "Check the path.") from exc
        raise _os_failure("delete", target, exc) from exc
    return True


def remove_tree_if_empty(path: StrPath) -> bool:
    """Delete the folder at `path` if it holds nothing but empty folders; report if it did."""
    target = _absolute(path, folder=True)
    _refuse_symlinks(target)
    return _remove_empty_dirs(target)


def read_text(path: StrPath, *, max_bytes: int = DEFAULT_MAX_READ_BYTES) -> str:
    """Return the UTF-8 text of `path`, line endings untouched.

    Reading follows symlinks: a link can redirect a read, but cannot leak or damage anything.
    """
    target = _absolute(path)
    try:
        with open(target, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise BadInputError(f"{target} does not exist", "Check the path.") from exc
    except IsADirectoryError as exc:
        raise BadInputError(f"{target} is a folder, not a file", "Check the path.") from exc
    except PermissionError as exc:
        raise BadInputError(f"cannot read {target}: permission denied", "Check the file's permissions.") from exc
    except OSError as exc:
        raise _os_failure("read", target, exc) from exc
    if len(data) > max_bytes:
        raise BadInputError(
            f"{target} is larger than {max_bytes} bytes, too large for this kind of file",
            "Check that the path names the right file.",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"{target} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "Save the file as UTF-8.",
        ) from exc


def is_temp_file_name(name: str) -> bool:
    """Tell whether `name` is one of the temporary names this module writes through."""
    return _TEMP_NAME.fullmatch(name) is not None


def cleanup_temp_files(folder: StrPath, *, min_age_seconds: float = 60.0) -> list[Path]:
    """Delete temporary files an interrupted write left in `folder`; return what was deleted.

    Files younger than `min_age_seconds` are kept: they may belong to a write still running.
    """
    target = _absolute(folder, folder=True)
    _refuse_symlinks(target)
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(target))
    except FileNotFoundError:
        return removed
    except OSError as exc:
        raise _os_failure("list", target, exc) from exc
    for entry in entries:
        if not is_temp_file_name(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        info = entry.stat(follow_symlinks=False)
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            continue
        if now - info.st_mtime < min_age_seconds:
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _write(target: Path, data: bytes, *, mode: int, exact_mode: bool, replace: bool) -> None:
    """Write through a temporary file in the same folder, then publish it under `target`."""
    folder, name = target.parent, target.name
    try:
        dir_fd = os.open(folder, _folder_flags(folder))
    except FileNotFoundError as exc:
        raise BadInputError(
            f"cannot write {target}: the folder {folder} does not exist",
            "Create the folder first, or check the path.",
        ) from exc
    except NotADirectoryError as exc:
        raise BadInputError(f"cannot write {target}: {folder} is not a folder", "Check the path.") from exc
    except OSError as exc:
        raise _os_failure("open the folder", folder, exc) from exc
    try:
        _publish(dir_fd, target, name, data, mode=mode, exact_mode=exact_mode, replace=replace)
    finally:
        os.close(dir_fd)


def _publish(
    dir_fd: int,
    target: Path,
    name: str,
    data: bytes,
    *,
    mode: int,
    exact_mode: bool,
    replace: bool,
) -> None:
    temp = f".{name[:_TEMP_STEM_MAX]}.tmp-{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
    try:
        fd = os.open(temp, flags, mode, dir_fd=dir_fd)
    except OSError as exc:
        raise _os_failure("write", target, exc) from exc
    try:
        try:
            if exact_mode:
                os.fchmod(fd, mode)  # the umask must not loosen or break the requested mode
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        else:
            _link_without_replacing(dir_fd, temp, name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        if isinstance(exc, OSError):
            raise _os_failure("write", target, exc) from exc
        raise
    # Some network filesystems cannot sync a folder; the file itself is complete either way.
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


def _link_without_replacing(dir_fd: int, temp: str, name: str, target: Path) -> None:
    """Give the finished temporary file its real name, failing if that name is taken."""
    try:
        os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except FileExistsError as exc:
        raise BadInputError(
            f"{target} already exists; iotforge never overwrites a key or certificate",
            "Move the existing file away (or delete it if it is no longer needed), then retry.",
        ) from exc
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        # No hard links here: check-then-rename leaves a tiny race but still no partial file.
        if _lexists_at(dir_fd, name):
            raise BadInputError(
                f"{target} already exists; iotforge never overwrites a key or certificate",
                "Move the existing file away, then retry.",
            ) from exc
        os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    os.unlink(temp, dir_fd=dir_fd)


def _holds_only_folders(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        children = list(entries)
    return all(entry.is_dir(follow_symlinks=False) and _holds_only_folders(Path(entry.path)) for entry in children)


def _remove_empty_dirs(folder: Path) -> bool:
    info = _lstat(folder)
    if info is None or not stat.S_ISDIR(info.st_mode) or not _holds_only_folders(folder):
        return False
    try:
        for root, folders, _files in os.walk(folder, topdown=False):
            for name in folders:
                os.rmdir(os.path.join(root, name))
        os.rmdir(folder)
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno in {errno.ENOTEMPTY, errno.EEXIST}:
            return False  # something arrived while we looked
        raise _os_failure("delete the folder", folder, exc) from exc
    return True


def _is_system_layout(path: Path) -> bool:
    """Tell whether `path` sits directly under the root, where only root can place links."""
    return len(path.parts) <= 2


def _folder_flags(folder: Path) -> int:
    nofollow = 0 if _is_system_layout(folder) else _O_NOFOLLOW
    return os.O_RDONLY | _O_DIRECTORY | nofollow | _O_CLOEXEC


def _refuse_symlinks(path: Path) -> None:
    """Raise if any existing component of `path` below the root's children is a symlink."""
    for component in [*reversed(path.parents), path]:
        info = _lstat(component)
        if info is None:
            return
        if stat.S_ISLNK(info.st_mode) and not _is_system_layout(component):
            real = os.path.realpath(path)
            raise BadInputError(
                f"{component} is a symbolic link; iotforge does not write through links",
                f"Use the real path instead: {real}",
            )


def _absolute(path: StrPath, *, folder: bool = False) -> Path:
    """Make `path` absolute without resolving links, so the checked path is the written one."""
    text = os.fspath(path)
    if not text or (not folder and Path(text).name in {"", ".", ".."}):
        raise BadInputError(f"{text!r} is not a file path", "Give a path that ends in a name.")
    return Path(os.path.abspath(text))


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None


def _lexists(path: Path) -> bool:
    return _lstat(path) is not None


def _lexists_at(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _os_failure(action: str, path: Path, exc: OSError) -> IotforgeError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        return BadInputError(f"cannot {action} {path}: {reason}", "Check the folder's owner and permissions.")
    return IotforgeError(f"cannot {action} {path}: {reason}", "Check the disk and the path.")
