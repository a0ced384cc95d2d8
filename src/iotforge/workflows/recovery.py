"""Find what a crash hid: certificates AWS created for our keys while the call creating them was cut off.

The journal records a `certificate` intent before CreateCertificateFromCsr and the `done` after it;
an intent without its done may or may not have a certificate behind it. The key never left the
project, so a certificate whose public key matches it is ours: provisioning adopts it on resume,
cleanup deletes it, and neither leaves an orphan behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from iotforge.crypto import load_certificate, load_private_key, public_keys_equal
from iotforge.crypto.keys import PrivateKey
from iotforge.workflows.journal_state import ProjectJournal, ThingJournal
from iotforge.workflows.models import CertificateSummary, IssuedCertificate
from iotforge.workflows.ports import ProjectFiles

# AWS's clock and ours may differ; look this far back for a certificate an interrupted call made.
RECOVERY_WINDOW = timedelta(minutes=10)


class CertificateFinder(Protocol):
    def certificates_created_since(self, since: datetime) -> list[CertificateSummary]: ...

    def certificate_pem(self, certificate_id: str) -> str: ...


def interrupted_certificates(
    project: ProjectFiles, registry: CertificateFinder, journal: ProjectJournal, things: Iterable[ThingJournal]
) -> dict[str, IssuedCertificate]:
    """Thing name -> the certificate AWS made for its key during an interrupted call, for those that have one.

    One listing, and each certificate the journal does not know fetched once: a search per thing
    fetched every recent certificate for every interrupted thing, thousands of DescribeCertificate
    calls at 10 per second after a kill of a 200-thing run.
    """
    keys: dict[str, PrivateKey] = {}
    since: datetime | None = None
    for thing in things:
        if "certificate" in thing.pending and "certificate" not in thing.done and project.has_key(thing.name):
            keys[thing.name] = load_private_key(project.read_key(thing.name))
            started = datetime.fromisoformat(str(thing.pending["certificate"]["at"])) - RECOVERY_WINDOW
            since = started if since is None else min(since, started)
    if since is None:
        return {}
    known = {thing.certificate_id for thing in journal.things.values() if thing.certificate_id}
    found: dict[str, IssuedCertificate] = {}
    for candidate in registry.certificates_created_since(since):
        if candidate.certificate_id in known or len(found) == len(keys):
            continue
        pem = registry.certificate_pem(candidate.certificate_id)
        certificate = load_certificate(pem)
        for name, key in keys.items():
            if name not in found and public_keys_equal(certificate, key):
                found[name] = IssuedCertificate(candidate.arn, candidate.certificate_id, pem)
                break
    return found


def adopt_interrupted_certificates(
    project: ProjectFiles, registry: CertificateFinder, journal: ProjectJournal, names: Iterable[str]
) -> None:
    """Fold the certificates interrupted calls made for `names` into `journal`, as if their done were recorded."""
    things = [journal.things[name] for name in names if name in journal.things]
    for name, issued in interrupted_certificates(project, registry, journal, things).items():
        thing = journal.things[name]
        thing.pending.pop("certificate", None)
        thing.done["certificate"] = {
            "step": "certificate",
            "certificate_arn": issued.arn,
            "certificate_id": issued.certificate_id,
        }
