"""aws_clientcredential.h on disk: read its endpoint and thing name, set them (implements HeaderFiles).

The text changes only inside the two string literals (local/header.py); the file is replaced
atomically and keeps its permissions.
"""

from __future__ import annotations

from pathlib import Path

from iotforge.errors import BadInputError
from iotforge.local import files
from iotforge.local.header import is_pristine, read_header_values, rewrite_header
from iotforge.workflows.resource_ports import HeaderState


class CredentialHeaderFile:
    def read_state(self, path: Path) -> HeaderState:
        values = read_header_values(self._read(path))
        return HeaderState(values.endpoint, values.thing_name, is_pristine(values))

    def check_values(self, endpoint: str, thing_name: str) -> None:
        template = '#define clientcredentialMQTT_BROKER_ENDPOINT ""\n#define clientcredentialIOT_THING_NAME ""\n'
        rewrite_header(template, endpoint, thing_name)

    def write_values(self, path: Path, endpoint: str, thing_name: str) -> bool:
        text = self._read(path)
        updated = rewrite_header(text, endpoint, thing_name)
        if updated == text:
            return False
        # newline="" semantics: encode exactly the characters read, CRLF and all.
        files.write_atomic(path, updated.encode("utf-8"))
        return True

    @staticmethod
    def _read(path: Path) -> str:
        if not Path(path).is_file():
            raise BadInputError(
                f"{path} does not exist, so the thing's endpoint and name cannot be written into it.",
                "Run from your project's root (or pass --project_root), or name the file with --credentials_header.",
            )
        return files.read_text(path)
