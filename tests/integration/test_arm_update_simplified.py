"""`create-update-simplified` and `cleanup-simplified` from the seed's settings file, with a fake build.sh."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner
from tests.support.arm_project import BOUNDARY, application_header, remaining, signed_update
from tests.support.emulator import EmulatorHandle

# Records its arguments, then leaves a signed image where the settings file says the build puts it.
FAKE_BUILD = """#!{python}
import pathlib, shutil, sys
with open("build_calls.txt", "a") as calls:
    calls.write(" ".join(sys.argv[1:]) + "\\n")
shutil.copy("keyword-detection-update_signed.bin", "build/keyword-detection-update_signed.bin")
"""
SEED_BUILD_ARGS = (
    "keyword-detection --certificate_path certificates/thing_certificate_board1.pem.crt "
    "--private_key_path certificates/thing_private_key_board1.pem.key "
    "--target corstone315 --inference SOFTWARE --audio ROM --toolchain GNU"
)


def _project(root: Path, clean_build: str) -> None:
    application_header(root)
    signed_update(root)
    script = root / "tools" / "scripts" / "build.sh"
    script.parent.mkdir(parents=True)
    script.write_text(FAKE_BUILD.format(python=sys.executable))
    script.chmod(0o755)
    settings = json.loads(
        (Path(__file__).parents[2] / "src/iotforge/local/templates/settings/aws-configs.json").read_text()
    )
    settings.update(thing_name="board1", permissions_boundary=BOUNDARY, role_prefix="Proj", clean_build=clean_build)
    (root / "tools" / "scripts" / "createIoTThings_settings.json").write_text(json.dumps(settings))


def _calls(root: Path) -> list[list[str]]:
    return [shlex.split(line) for line in (root / "build_calls.txt").read_text().splitlines()]


def _json(done: Any) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("clean_build", "clean_flags"), [("auto", [True, False]), ("true", [True]), ("false", [False])]
)
def test_builds_with_the_seeds_options_and_c_per_clean_build(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle, clean_build: str, clean_flags: list[bool]
) -> None:
    """auto: -c when the header changed (the first run writes it), not when it is as written (the second)."""
    _project(tmp_path, clean_build)
    created = _json(
        run_cli("create-update-simplified", "--target_application", "keyword-detection", "--output", "json")
    )
    assert created["thing"]["header_changed"] is True
    assert created["update"]["ota"]["status"] == "CREATE_COMPLETE"
    assert created["update"]["role"]["name"] == "Proj-board1_role"
    assert created["update"]["bucket"]["name"] == "board1-bucket"
    if len(clean_flags) > 1:
        again = _json(
            run_cli("create-update-simplified", "--target-application", "keyword-detection", "--output", "json")
        )
        assert (again["thing"]["thing_created"], again["thing"]["certificate_created"]) == (False, False)
        assert again["update"]["ota"]["resumed"] is True  # same build, same signature: the same update
    expected = SEED_BUILD_ARGS.split()
    assert _calls(tmp_path) == [expected + ["-c"] * clean for clean in clean_flags]


def test_cleanup_simplified_removes_everything_in_order_and_e_the_files(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    _project(tmp_path, "auto")
    settings_path = tmp_path / "tools" / "scripts" / "createIoTThings_settings.json"
    settings = json.loads(settings_path.read_text())
    settings.update(target_application="keyword-detection", skip_build="true")
    settings_path.write_text(json.dumps(settings))
    (tmp_path / "build" / "keyword-detection-update_signed.bin").write_bytes(
        (tmp_path / "keyword-detection-update_signed.bin").read_bytes()
    )
    assert run_cli("create-update-simplified").returncode == 0
    assert not (tmp_path / "build_calls.txt").exists()  # skip_build

    settings.update(target_application="")  # cleanup needs no target when no name is built from it
    settings_path.write_text(json.dumps(settings))
    done = _json(run_cli("cleanup-simplified", "-e", "--output", "json"))
    outcomes = [(step["resource"].split()[0], step["outcome"]) for step in done["steps"]]
    assert outcomes[:5] == [("OTA", "deleted"), ("role", "deleted"), ("bucket", "deleted"), ("policy", "deleted"),
                            ("thing", "deleted")]  # fmt: skip
    assert not any((tmp_path / "certificates").iterdir())
    clients = {name: emulator.client(name) for name in ("iot", "iam", "s3")}
    left = remaining(clients)
    assert left == {kind: [] for kind in left}


def test_an_update_left_from_another_build_is_replaced_only_when_confirmed(
    run_cli: CliRunner, tmp_path: Path, emulator: EmulatorHandle
) -> None:
    _project(tmp_path, "false")
    app = ("--target_application", "keyword-detection")
    assert run_cli("create-update-simplified", *app).returncode == 0
    signed_update(tmp_path, image=b"\x7fELF another build " * 300)  # a new image and signature, same update name

    refused = run_cli("create-update-simplified", *app)
    assert refused.returncode == 2
    assert "board1_update" in refused.stderr
    assert "--yes" in refused.stderr
    replaced = _json(run_cli("create-update-simplified", *app, "--yes", "--output", "json"))
    assert replaced["update"]["ota"]["resumed"] is False
    update = emulator.client("iot").get_ota_update(otaUpdateId="board1_update")["otaUpdateInfo"]
    signature = (tmp_path / "build" / "update-signature.txt").read_text()
    inline = update["otaUpdateFiles"][0]["codeSigning"]["customCodeSigning"]["signature"]["inlineDocument"]
    assert (inline.decode() if isinstance(inline, bytes) else inline) == signature
