"""Find, load and create the settings file of `create-update-simplified` and `cleanup-simplified`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from iotforge.errors import BadInputError
from iotforge.local import files
from iotforge.local.settings_file import ResolvedSettings, load_settings, sample_settings_text

# The two defaults createIoTThings.py uses (create-update-simplified, cleanup-simplified).
DEFAULT_SETTINGS_FILES = (Path("tools/scripts/createIoTThings_settings.json"), Path("createIoTThings_settings.json"))
NO_TARGET = "no-target-application"


def settings_file_path(project_root: Path, given: Path | None) -> Path:
    """The file named on the command line, else the first of the seed's defaults that exists."""
    if given is not None:
        return given if given.is_absolute() else project_root / given
    candidates = [project_root / name for name in DEFAULT_SETTINGS_FILES]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise BadInputError(
        f"No settings file at {' or '.join(str(c) for c in candidates)}.",
        "Write the sample with `iotforge create-settings-file`, fill in thing_name, permissions_boundary and "
        "role_prefix, or pass --config_file_path.",
    )


def load_seed_settings(path: Path, target_application: str | None, *, need_target: bool = True) -> ResolvedSettings:
    """Load the file; for cleanup (`need_target=False`) a missing target application is fine
    as long as none of the names to delete is built from it."""
    try:
        return load_settings(path, target_application)
    except BadInputError as error:
        if need_target or target_application or "target application" not in error.message:
            raise
        original = error
    settings = load_settings(path, NO_TARGET)
    names = (settings.thing_name, settings.policy_name, settings.bucket_name, settings.iam_role_name)
    if any(NO_TARGET in name for name in (*names, settings.update_name)):
        raise original
    return dataclasses.replace(settings, target_application=None)


def write_sample_settings(path: Path) -> Path:
    """Write the sample file (the seed's fields and defaults); never replace an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return files.write_atomic(path, sample_settings_text().encode("utf-8"), overwrite=False)
