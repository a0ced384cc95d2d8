"""Where aws_clientcredential.h is, and whether iotforge may write the thing's endpoint and name into it."""

from __future__ import annotations

from pathlib import Path

from iotforge.errors import BadInputError, IotforgeError
from iotforge.workflows.resource_ports import Consent, HeaderFiles

HEADER_NAME = "aws_clientcredential.h"


def application_header(project_root: Path, target_application: str) -> Path:
    """The seed's location: applications/<app with underscores>/configs/aws_configs/aws_clientcredential.h.

    >>> application_header(Path("."), "keyword-detection").as_posix()
    'applications/keyword_detection/configs/aws_configs/aws_clientcredential.h'
    """
    if not target_application or "/" in target_application or target_application.startswith("."):
        raise BadInputError(
            f"--target_application {target_application!r} is not an application name.",
            "Use keyword-detection, object-detection or speech-recognition.",
        )
    folder = target_application.replace("-", "_")
    return project_root / "applications" / folder / "configs" / "aws_configs" / HEADER_NAME


def header_path(project_root: Path, target_application: str | None, explicit: Path | None) -> Path | None:
    """--credentials_header wins; else the target application's header; else none."""
    if explicit is not None:
        return explicit
    if target_application:
        return application_header(project_root, target_application)
    return None


def approve_header(headers: HeaderFiles, path: Path, endpoint: str, thing_name: str, consent: Consent) -> bool:
    """Check the header can take the values; ask before replacing values someone set. True: write it."""
    headers.check_values(endpoint, thing_name)
    state = headers.read_state(path)
    if (state.endpoint, state.thing_name) == (endpoint, thing_name):
        return False
    if not state.pristine:
        question = (
            f"{path} already holds endpoint {state.endpoint!r} and thing {state.thing_name!r}; "
            f"overwrite them with {endpoint!r} and {thing_name!r}?"
        )
        if not consent(question):
            raise IotforgeError(
                f"Left {path} as it was; nothing was created.",
                "Rerun with --yes to overwrite it, or pass --credentials_header to write another file.",
            )
    return True
