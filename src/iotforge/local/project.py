"""A firmware project on disk: thing.conf.json, .aws_things_resources/<thing>/, the active thing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from iotforge.errors import BadInputError
from iotforge.local.files import (
    check_writable,
    cleanup_temp_files,
    ensure_private_dir,
    read_text,
    remove_file,
    remove_tree_if_empty,
    write_atomic,
    write_private,
)
from iotforge.local.journal import JsonlJournal

CONFIG_FILE = "thing.conf.json"
RESOURCES_DIR = ".aws_things_resources"
META_DIR = ".iotforge"
KEY_FILE = "private.pem.key"
CERTIFICATE_FILE = "certificate.pem.crt"
THING_FIELDS = ("thingname", "mqttid", "cert_arn")
# The C keys header holds the active thing's private key once a thing is active (freertos-c).
GITIGNORE = (
    "# Device credentials never go to git (iotforge)\n*.pem.key\nprivate.pem.key\n.aws_things_resources/\n.iotforge/\n"
    "aws_clientcredential_keys.h\n"
)
TEMPLATES = ("zerynth-python", "freertos-c")
C_HEADER = "aws_clientcredential.h"
C_KEYS_HEADER = "aws_clientcredential_keys.h"


def _dump(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, indent=4) + "\n").encode()


class LocalProject:
    def __init__(self, root: Path) -> None:
        self.root = root.absolute()
        if not (self.root / CONFIG_FILE).is_file():
            raise BadInputError(
                f"{self.root} is not a project (it has no {CONFIG_FILE}).",
                "Create one with `iotforge thing-project-from-template NAME PATH`, or pass the project's folder.",
            )
        self.journal = JsonlJournal(self.root / META_DIR / "journal.jsonl")
        # Thing folders made (or tightened) by this process: a fleet run writes three files into each.
        self._ready_folders: set[str] = set()

    # project-wide files ---------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        return _load_json(self.root / CONFIG_FILE)

    def update_config(self, changes: Mapping[str, Any]) -> None:
        merged = {**self.config(), **changes}
        write_atomic(self.root / CONFIG_FILE, _dump({k: v for k, v in merged.items() if v is not None}))

    def metadata(self) -> dict[str, Any]:
        path = self.root / META_DIR / "project.json"
        return _load_json(path) if path.exists() else {}

    def update_metadata(self, changes: Mapping[str, Any]) -> None:
        ensure_private_dir(self.root / META_DIR)
        write_atomic(self.root / META_DIR / "project.json", _dump({**self.metadata(), **changes}), mode=0o600)

    # things ---------------------------------------------------------------------------------------

    def thing_folder(self, thing_name: str) -> Path:
        return self.root / RESOURCES_DIR / thing_name

    def local_things(self) -> list[str]:
        folder = self.root / RESOURCES_DIR
        if not folder.is_dir():
            return []
        return sorted(entry.name for entry in folder.iterdir() if entry.is_dir() and not entry.is_symlink())

    def has_key(self, thing_name: str) -> bool:
        return (self.thing_folder(thing_name) / KEY_FILE).is_file()

    def check_new_thing(self, thing_name: str) -> None:
        """Refuse, before anything is created, a new thing whose key could not be written safely here."""
        key = check_writable(self.thing_folder(thing_name) / KEY_FILE)  # links, or a file where a folder goes
        if key.exists():
            raise BadInputError(
                f"A key for {thing_name} already exists at {key}.",
                "iotforge never overwrites a key: move that folder away, or choose another --things-base-name.",
            )

    def read_key(self, thing_name: str) -> bytes:
        return (self.thing_folder(thing_name) / KEY_FILE).read_bytes()

    def _ready_thing_folder(self, thing_name: str) -> None:
        if thing_name not in self._ready_folders:
            ensure_private_dir(self.thing_folder(thing_name))
            self._ready_folders.add(thing_name)

    def write_key(self, thing_name: str, pem: bytes) -> None:
        self._ready_thing_folder(thing_name)
        write_private(self.thing_folder(thing_name) / KEY_FILE, pem)

    def has_certificate(self, thing_name: str) -> bool:
        return (self.thing_folder(thing_name) / CERTIFICATE_FILE).is_file()

    def read_certificate(self, thing_name: str) -> bytes:
        return (self.thing_folder(thing_name) / CERTIFICATE_FILE).read_bytes()

    def write_certificate(self, thing_name: str, pem: bytes) -> None:
        self._ready_thing_folder(thing_name)
        write_atomic(self.thing_folder(thing_name) / CERTIFICATE_FILE, pem, mode=0o644)

    def read_thing_config(self, thing_name: str) -> dict[str, Any]:
        return _load_json(self.thing_folder(thing_name) / CONFIG_FILE)

    def write_thing_config(self, thing_name: str, config: Mapping[str, Any]) -> None:
        self._ready_thing_folder(thing_name)
        write_atomic(self.thing_folder(thing_name) / CONFIG_FILE, _dump(config), mode=0o644)

    def activate(self, thing_name: str, config_fields: Mapping[str, Any]) -> None:
        """Put the thing's credentials at the root without ever pairing one thing's key with another's certificate.

        Order: drop the old certificate, replace the key, write the new certificate, then the config.
        """
        key = self.read_key(thing_name)
        certificate = self.read_certificate(thing_name)
        ensure_private_dir(self.root)  # the active key lives at the root: keys only in 0700 folders
        remove_file(self.root / CERTIFICATE_FILE)
        remove_file(self.root / KEY_FILE)
        write_private(self.root / KEY_FILE, key)
        write_atomic(self.root / CERTIFICATE_FILE, certificate, mode=0o644)
        self.update_config(config_fields)
        self._rewrite_c_headers(config_fields, certificate, key)

    def remove_thing(self, thing_name: str) -> None:
        self._ready_folders.discard(thing_name)
        folder = self.thing_folder(thing_name)
        for name in (KEY_FILE, CERTIFICATE_FILE, CONFIG_FILE):
            remove_file(folder / name)
        if folder.is_dir():
            # A crash mid-write leaves our temp file behind; it belongs to this thing too.
            cleanup_temp_files(folder, min_age_seconds=0)
        remove_tree_if_empty(folder)
        if self.config().get("thingname") == thing_name:
            remove_file(self.root / CERTIFICATE_FILE)
            remove_file(self.root / KEY_FILE)
            self.update_config(dict.fromkeys(THING_FIELDS))

    def _rewrite_c_headers(self, fields: Mapping[str, Any], certificate: bytes, key: bytes) -> None:
        from iotforge.local.header import render_keys_header, rewrite_header

        header = self.root / C_HEADER
        if header.is_file():
            text = read_text(header)
            write_atomic(
                header, rewrite_header(text, str(fields.get("endpoint", "")), str(fields["thingname"])).encode()
            )
        keys_header = self.root / C_KEYS_HEADER
        if keys_header.is_file():
            pristine = template_text("freertos-c", C_KEYS_HEADER)
            rendered = render_keys_header(pristine, certificate.decode(), key.decode())
            remove_file(keys_header)
            write_private(keys_header, rendered.encode())


def template_text(template: str, name: str) -> str:
    return resources.files("iotforge.local").joinpath("templates", template, name).read_text()


def create_project_folder(root: Path, template: str, config: Mapping[str, Any]) -> list[Path]:
    """Create `root` from `template`; refuse an existing non-empty folder (never delete user files)."""
    if template not in TEMPLATES:
        raise BadInputError(f"Unknown template {template!r}.", f"Choose one of: {', '.join(TEMPLATES)}.")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BadInputError(
            f"{root} already exists and is not empty.",
            "Choose a new project name or path; iotforge never overwrites or deletes existing files.",
        )
    ensure_private_dir(root)  # it will hold the active thing's key
    written: list[Path] = []
    source = resources.files("iotforge.local").joinpath("templates", template)
    for entry in sorted(source.iterdir(), key=lambda item: item.name):
        if entry.is_file() and entry.name != CONFIG_FILE:
            written.append(write_atomic(root / entry.name, entry.read_bytes(), overwrite=False))
    base_config = json.loads(source.joinpath(CONFIG_FILE).read_text()) if source.joinpath(CONFIG_FILE).is_file() else {}
    written.append(write_atomic(root / CONFIG_FILE, _dump({**base_config, **config}), overwrite=False))
    written.append(write_atomic(root / ".gitignore", GITIGNORE.encode(), overwrite=False))
    project = LocalProject(root)
    project.update_metadata({"template": template})
    return written


def _load_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise BadInputError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}).", "Fix or restore the file."
        ) from error
    if not isinstance(document, dict):
        raise BadInputError(f"{path} must hold a JSON object.", "Fix or restore the file.")
    return document
