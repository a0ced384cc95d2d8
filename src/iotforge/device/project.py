"""The devices of a firmware project: one per provisioned thing, and the code-signing certificate they trust.

The project keeps the certificate its devices verify firmware with at
`PROJECT/.iotforge/code-signing/ota-signer.crt`: `iotforge ota keygen --out PROJECT/.iotforge/code-signing`
writes it there (the key beside it, mode 0600, never in git).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

from iotforge.crypto import CryptoError, load_certificate
from iotforge.device.models import DeviceIdentity
from iotforge.errors import BadInputError
from iotforge.workflows.each import select_things

CODE_SIGNING_CERTIFICATE = Path(".iotforge") / "code-signing" / "ota-signer.crt"
KEY_FILE = "private.pem.key"
CERTIFICATE_FILE = "certificate.pem.crt"
_NUMBER = re.compile(r"(\d+)")


class ThingFolders(Protocol):
    """What the simulator reads of a project (local/project.py's LocalProject has it)."""

    @property
    def root(self) -> Path: ...

    def config(self) -> dict[str, Any]: ...

    def local_things(self) -> list[str]: ...

    def thing_folder(self, thing_name: str) -> Path: ...

    def has_key(self, thing_name: str) -> bool: ...

    def has_certificate(self, thing_name: str) -> bool: ...

    def read_thing_config(self, thing_name: str) -> dict[str, Any]: ...


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort sensor_2 before sensor_10.

    >>> sorted(["s_10", "s_2", "s_1"], key=natural_key)
    ['s_1', 's_2', 's_10']
    """
    return tuple(int(part) if part.isdigit() else part for part in _NUMBER.split(name))


def devices_from_project(project: ThingFolders, selection: str | None = None) -> tuple[DeviceIdentity, ...]:
    """One identity per provisioned thing (key and certificate on disk), chosen by `selection`.

    `selection`: None or "all"; a number N for the first N things; or names, ids and ranges as
    `iotforge each --things` takes them (sensor_1,sensor_4 or 0-9).
    """
    names = sorted(
        (name for name in project.local_things() if project.has_key(name) and project.has_certificate(name)),
        key=natural_key,
    )
    if not names:
        raise BadInputError(
            f"{project.root} has no provisioned things.",
            f"Add some first: `iotforge add-things {project.root} --things-number 10`.",
        )
    if selection is not None and selection.strip().isdigit():
        count = int(selection)
        if count < 1:
            raise BadInputError("--things 0 selects no device.", "Pass a positive number, names, or `all`.")
        chosen = names[:count]
    else:
        chosen = select_things(names, selection)
    project_endpoint = str(project.config().get("endpoint") or "") or None
    return tuple(_identity(project, name, project_endpoint) for name in chosen)


def _identity(project: ThingFolders, name: str, project_endpoint: str | None) -> DeviceIdentity:
    folder = project.thing_folder(name)
    config_path = folder / "thing.conf.json"
    config = project.read_thing_config(name) if config_path.is_file() else {}
    return DeviceIdentity(
        thing_name=str(config.get("thingname") or name),
        certificate_path=folder / CERTIFICATE_FILE,
        key_path=folder / KEY_FILE,
        client_id=str(config.get("mqttid") or "") or None,
        endpoint=str(config.get("endpoint") or "") or project_endpoint,
    )


def project_code_signing_certificate(root: Path) -> Path | None:
    """The project's code-signing certificate, if `iotforge ota keygen` put one there."""
    path = root / CODE_SIGNING_CERTIFICATE
    return path if path.is_file() else None


def load_code_signing_certificate(path: Path) -> bytes:
    """Read and check a PEM certificate, so a wrong file fails once, not on every device."""
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise BadInputError(
            f"Cannot read {path}: {error.strerror}.", "Pass the code-signing certificate (PEM)."
        ) from error
    try:
        load_certificate(pem)
    except CryptoError as error:
        raise BadInputError(
            f"{path} is not a code-signing certificate: {error.reason}.",
            "Pass the certificate `iotforge ota keygen` wrote (ota-signer.crt), not the key.",
        ) from error
    return pem
