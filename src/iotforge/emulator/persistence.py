"""Keep the emulator's state across restarts (`--state-dir`): a pickle written on shutdown.

What is kept: moto's IoT, IAM, S3 and STS backends, the feature stores of EmulatorState, and the
emulator CA (so certificates issued before a restart still chain to it). The file is loaded only
when it was written by this user, is private to them, and matches this iotforge/moto version;
otherwise the emulator starts empty and says why on stderr.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import stat
import sys
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from iotforge.emulator import moto_patches
from iotforge.emulator.ca import EmulatorCA
from iotforge.emulator.state import EmulatorState

STATE_FILE = "emulator-state.pickle"
FORMAT = 1
_LOCK_TYPE = type(threading.Lock())
_RLOCK_TYPE = type(threading.RLock())


def save_state(state_dir: Path, state: EmulatorState) -> bool:
    """Write every backend and store to `state_dir` atomically (mode 0600 in a 0700 folder).

    False (and a note on stderr, the previous file kept) when some state cannot be pickled.
    """
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        data = _snapshot(state)
    except Exception as error:  # a store holding something unpicklable must not crash shutdown
        _warn(f"not saving state to {state_dir}: {error}", "keeping the previous state file")
        return False
    descriptor, temporary = tempfile.mkstemp(dir=state_dir, prefix=f".{STATE_FILE}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, state_dir / STATE_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _snapshot(state: EmulatorState) -> bytes:
    with state.moto_lock:
        backends = _backend_dicts()
        ca = moto_patches.emulator_ca(state)
        snapshot = {
            "format": FORMAT,
            "versions": _versions(),
            "backends": {name: dict(backend) for name, backend in backends.items()},
            "extras": {name: _extra_attributes(backend) for name, backend in backends.items()},
            "stores": dict(state._stores),
            "ca": (ca.key_pem, ca.certificate_pem.encode()),
        }
        buffer = io.BytesIO()
        _SnapshotPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(snapshot)
        return buffer.getvalue()


def load_state(state_dir: Path, state: EmulatorState) -> bool:
    """Restore what `save_state` wrote; False (and a note on stderr) when there is nothing usable."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return False
    problem = _unsafe(path)
    if problem:
        _warn(f"not loading {path}: {problem}")
        return False
    try:
        # The file is ours and private to us (checked above): unpickling it trusts only ourselves.
        snapshot = pickle.loads(path.read_bytes())  # noqa: S301
    except Exception as error:  # a truncated or foreign file: start empty rather than not at all
        _warn(f"not loading {path}: {error}")
        return False
    if snapshot.get("format") != FORMAT or snapshot.get("versions") != _versions():
        _warn(f"not loading {path}: written by another iotforge or moto version ({snapshot.get('versions')})")
        return False
    from moto.core.base_backend import BackendDict

    with state.moto_lock:
        for name, backend in _backend_dicts().items():
            backend.clear()
            backend.update(snapshot["backends"].get(name, {}))
            for attribute, value in snapshot["extras"].get(name, {}).items():
                setattr(backend, attribute, value)
            if backend and backend not in BackendDict._instances:
                # moto resets only the backends it knows are in use.
                BackendDict._instances.append(backend)
        state._stores.clear()
        state._stores.update(snapshot["stores"])
        key_pem, certificate_pem = snapshot["ca"]
        moto_patches.adopt_ca(state, EmulatorCA.from_pem(key_pem, certificate_pem))
    return True


class _SnapshotPickler(pickle.Pickler):
    """Pickle what plain pickle refuses but the emulator's stores hold: weak references and locks.

    A weak reference is rebuilt pointing at the same (restored) object, since one snapshot holds
    both; a lock is rebuilt new and unlocked.
    """

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, weakref.ReferenceType) and type(obj) is weakref.ReferenceType:
            target = obj()
            return (weakref.ref, (target,)) if target is not None else (_dead_reference, ())
        if isinstance(obj, _LOCK_TYPE):
            return (threading.Lock, ())
        if isinstance(obj, _RLOCK_TYPE):
            return (threading.RLock, ())
        return NotImplemented


class _Gone:
    pass


def _dead_reference() -> weakref.ReferenceType[_Gone]:
    return weakref.ref(_Gone())


def _backend_dicts() -> dict[str, Any]:
    from moto.iam.models import iam_backends
    from moto.iot.models import iot_backends
    from moto.s3.models import s3_backends
    from moto.sts.models import sts_backends

    return {"iot": iot_backends, "iam": iam_backends, "s3": s3_backends, "sts": sts_backends}


def _extra_attributes(backend: Any) -> dict[str, Any]:
    """State kept on the BackendDict itself (S3's global bucket namespace)."""
    return {name: getattr(backend, name) for name in ("bucket_accounts",) if hasattr(backend, name)}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"iotforge": version("iotforge"), "moto": version("moto"), "python": sys.version.split()[0]}


def _unsafe(path: Path) -> str | None:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_uid != os.getuid():
        return "owned by another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "writable by other users"
    return None


def _warn(message: str, consequence: str = "starting empty") -> None:
    with contextlib.suppress(OSError):
        sys.stderr.write(f"iotforge emulator: {message}; {consequence}\n")
        sys.stderr.flush()
