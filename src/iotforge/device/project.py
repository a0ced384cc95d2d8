"""The devices of a firmware project: one per provisioned thing, and the code-signing certificate they trust.

The project keeps the certificate its devices verify firmware with at
`PROJECT/.iotforge/code-signing/ota-signer.crt`: `iotforge ota keygen --out PROJECT/.iotforge/code-signing`
writes it there (the key beside it, mode 0600, never in git).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from iotforge.crypto import CryptoError, load_certificate
from iotforge.device.models import DeviceIdentity
from iotforge.errors import BadInputError
from iotforge.workflows.each import select_things

CODE_SIGNING_CERTIFICATE = Path(".iotforge") / "code-signing" / "ota-signer.crt"
KEY_FILE = "private.pem.key"
CERTIFICATE_FILE = "certificate.pem.crt"


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


def devices_from_project(project: ThingFolders, selection: str | None = None) -> tuple[DeviceIdentity, ...]:
    """One identity per provisioned thing (key and certificate on disk), chosen by `selection`.

    `selection` means what `iotforge each --things` means (workflows.each.select_things): None or
    "all" for every provisioned thing; else thing names, ids and id ranges (dev_1,dev_4 or 0-99:
    thing ids 0 to 99, not a count). A thing chosen by name or id without its key and certificate
    is refused, naming it.
    """
    local = project.local_things()
    provisioned = {name for name in local if project.has_key(name) and project.has_certificate(name)}
    if not provisioned:
        raise BadInputError(
            f"{project.root} has no provisioned things.",
            f"Add some first: `iotforge add-things {project.root} --things-number 10`.",
        )
    chosen = select_things(local, selection)
    if selection in (None, "", "all"):
        chosen = [name for name in chosen if name in provisioned]
    unprovisioned = [name for name in chosen if name not in provisioned]
    if unprovisioned:
        raise BadInputError(
            f"--things {selection!r} chose things without a key or certificate on disk: {_listed(unprovisioned)}.",
            f"Finish provisioning with `iotforge project resume {project.root}`, or leave them out of --things.",
        )
    project_endpoint = str(project.config().get("endpoint") or "") or None
    return tuple(_identity(project, name, project_endpoint) for name in chosen)


def _listed(names: list[str], shown: int = 3) -> str:
    """The first few names, then how many more.

    >>> _listed(["dev_1", "dev_2"])
    'dev_1, dev_2'
    >>> _listed([f"dev_{index}" for index in range(10)])
    'dev_0, dev_1, dev_2 and 7 more'
    """
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


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
