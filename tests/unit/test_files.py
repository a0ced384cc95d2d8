"""Local file writes: private modes, no overwriting keys, no symlinks, no partial files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from iotforge.errors import BadInputError, ExitCode, IotforgeError
from iotforge.local import files

KEY = b"-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def names_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


# write_private


def test_write_private_creates_a_0600_file(tmp_path: Path, loose_umask: None) -> None:
    target = files.write_private(tmp_path / "key.pem", KEY)
    assert target == tmp_path / "key.pem"
    assert target.read_bytes() == KEY
    assert mode_of(target) == 0o600
    assert names_in(tmp_path) == ["key.pem"]


def test_write_private_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "key.pem"
    target.write_bytes(b"old")
    with pytest.raises(BadInputError) as caught:
        files.write_private(target, KEY)
    assert str(target) in caught.value.message
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert caught.value.hint
    assert target.read_bytes() == b"old"
    assert names_in(tmp_path) == ["key.pem"]


def test_write_private_loses_a_race_without_overwriting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "key.pem"
    real_link = os.link

    def link_after_someone_else(*args: object, **kwargs: object) -> None:
        target.write_bytes(b"theirs")
        real_link(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "link", link_after_someone_else)
    with pytest.raises(BadInputError, match="already exists"):
        files.write_private(target, KEY)
    assert target.read_bytes() == b"theirs"
    assert names_in(tmp_path) == ["key.pem"]


@pytest.mark.parametrize("dangling", [True, False])
def test_write_private_refuses_a_symlink_at_the_path(tmp_path: Path, dangling: bool) -> None:
    elsewhere = tmp_path / "elsewhere.pem"
    if not dangling:
        elsewhere.write_bytes(b"x")
    (tmp_path / "key.pem").symlink_to(elsewhere)
    with pytest.raises(BadInputError):
        files.write_private(tmp_path / "key.pem", KEY)
    assert dangling is not elsewhere.exists()


def test_write_private_refuses_a_symlinked_parent(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(BadInputError) as caught:
        files.write_private(tmp_path / "link" / "key.pem", KEY)
    assert "symbolic link" in caught.value.message
    assert str(real) in (caught.value.hint or "")
    assert names_in(real) == []


def test_write_private_refuses_a_symlinked_grandparent(tmp_path: Path) -> None:
    (tmp_path / "real" / "certs").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(BadInputError, match="symbolic link"):
        files.write_private(tmp_path / "link" / "certs" / "key.pem", KEY)


def test_write_private_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        files.write_private(tmp_path / "missing" / "key.pem", KEY)
    with pytest.raises(BadInputError):
        files.write_private(tmp_path / "..", KEY)


# Crash safety: an interruption at any step leaves no file, or the whole file.


@pytest.mark.parametrize("step", ["write", "fsync", "link"])
def test_an_interrupted_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, step, crash)
    with pytest.raises(KeyboardInterrupt):
        files.write_private(tmp_path / "key.pem", KEY)
    assert names_in(tmp_path) == []


def test_a_disk_error_is_reported_and_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(IotforgeError, match="No space left"):
        files.write_atomic(tmp_path / "config.json", b"{}")
    assert names_in(tmp_path) == []


def test_a_killed_process_leaves_only_a_temp_file_that_cleanup_removes(tmp_path: Path) -> None:
    leftover = tmp_path / ".key.pem.tmp-0123456789abcdef"
    leftover.write_bytes(KEY[:10])
    unrelated = tmp_path / ".hidden.tmp-notours"
    unrelated.write_bytes(b"keep")
    assert files.is_temp_file_name(leftover.name)
    assert not files.is_temp_file_name(unrelated.name)
    assert files.cleanup_temp_files(tmp_path) == []  # too young: may be a write in progress
    assert files.cleanup_temp_files(tmp_path, min_age_seconds=0) == [leftover]
    assert names_in(tmp_path) == [unrelated.name]
    assert files.cleanup_temp_files(tmp_path / "missing", min_age_seconds=0) == []


def test_large_writes_are_complete(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024)
    assert files.write_atomic(tmp_path / "firmware.bin", data).read_bytes() == data


# write_atomic


def test_write_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "aws_clientcredential.h"
    files.write_atomic(target, b"one\r\n")
    files.write_atomic(target, b"two\r\n")
    assert target.read_bytes() == b"two\r\n"
    assert names_in(tmp_path) == [target.name]


def test_write_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_bytes(b"old")
    target.chmod(0o750)
    files.write_atomic(target, b"new")
    assert mode_of(target) == 0o750


def test_write_atomic_uses_the_given_mode_exactly(tmp_path: Path) -> None:
    assert mode_of(files.write_atomic(tmp_path / "a", b"", mode=0o640)) == 0o640
    target = tmp_path / "project.json"
    target.write_bytes(b"{}")
    target.chmod(0o644)
    assert mode_of(files.write_atomic(target, b"{}", mode=0o600)) == 0o600


def test_write_atomic_applies_the_umask_to_new_files_without_a_mode(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        assert mode_of(files.write_atomic(tmp_path / "a", b"")) == 0o640
    finally:
        os.umask(previous)


def test_write_atomic_without_overwrite_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "thing.conf.json"
    target.write_bytes(b"old")
    with pytest.raises(BadInputError, match="already exists"):
        files.write_atomic(target, b"new", overwrite=False)
    assert target.read_bytes() == b"old"


def test_write_atomic_refuses_symlinks_and_folders(tmp_path: Path) -> None:
    real = tmp_path / "real.h"
    real.write_bytes(b"real")
    (tmp_path / "link.h").symlink_to(real)
    with pytest.raises(BadInputError, match="symbolic link"):
        files.write_atomic(tmp_path / "link.h", b"new")
    assert real.read_bytes() == b"real"
    (tmp_path / "folder").mkdir()
    with pytest.raises(BadInputError, match="not a regular file"):
        files.write_atomic(tmp_path / "folder", b"new")


# ensure_private_dir


def test_ensure_private_dir_creates_missing_folders_0700(tmp_path: Path, loose_umask: None) -> None:
    target = files.ensure_private_dir(tmp_path / "a" / "b" / "c")
    for folder in (tmp_path / "a", tmp_path / "a" / "b", target):
        assert mode_of(folder) == 0o700
    assert files.ensure_private_dir(target) == target


def test_ensure_private_dir_tightens_an_existing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "certificates"
    folder.mkdir()
    folder.chmod(0o755)
    files.ensure_private_dir(folder)
    assert mode_of(folder) == 0o700


def test_ensure_private_dir_refuses_files_and_symlinks(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(BadInputError, match="not a folder"):
        files.ensure_private_dir(tmp_path / "file")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(BadInputError, match="symbolic link"):
        files.ensure_private_dir(tmp_path / "link")
    with pytest.raises(BadInputError, match="symbolic link"):
        files.ensure_private_dir(tmp_path / "link" / "sub")
    assert names_in(tmp_path / "real") == []


def test_ensure_private_dir_refuses_a_folder_of_another_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getuid", lambda: os.lstat(tmp_path).st_uid + 1)
    with pytest.raises(BadInputError, match="another user"):
        files.ensure_private_dir(tmp_path)


# Removal and reading


def test_remove_file(tmp_path: Path) -> None:
    target = tmp_path / "certificate.pem.crt"
    target.write_bytes(b"x")
    assert files.remove_file(target) is True
    assert files.remove_file(target) is False
    (tmp_path / "folder").mkdir()
    with pytest.raises(BadInputError, match="folder"):
        files.remove_file(tmp_path / "folder")


def test_remove_file_deletes_a_link_not_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_bytes(b"x")
    (tmp_path / "link").symlink_to(real)
    assert files.remove_file(tmp_path / "link") is True
    assert real.exists()


def test_remove_file_refuses_a_symlinked_folder(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "key").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(BadInputError, match="symbolic link"):
        files.remove_file(tmp_path / "link" / "key")
    assert (tmp_path / "real" / "key").exists()


def test_remove_tree_if_empty(tmp_path: Path) -> None:
    tree = tmp_path / ".aws_things_resources"
    (tree / "thing_0" / "deep").mkdir(parents=True)
    (tree / "thing_1").mkdir()
    assert files.remove_tree_if_empty(tree) is True
    assert not tree.exists()
    assert files.remove_tree_if_empty(tree) is False


def test_remove_tree_if_empty_keeps_a_tree_holding_anything(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "empty").mkdir(parents=True)
    (tree / "full").mkdir()
    (tree / "full" / "private.pem.key").write_bytes(b"x")
    assert files.remove_tree_if_empty(tree) is False
    assert (tree / "empty").is_dir()
    (tree / "full" / "private.pem.key").unlink()
    (tree / "full" / "link").symlink_to(tmp_path)
    assert files.remove_tree_if_empty(tree) is False
    assert files.remove_tree_if_empty(tmp_path / "missing") is False


def test_read_text_keeps_line_endings(tmp_path: Path) -> None:
    target = tmp_path / "a.h"
    target.write_bytes(b"#define A 1\r\n#define B 2\n")
    assert files.read_text(target) == "#define A 1\r\n#define B 2\n"


def test_read_text_errors_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        files.read_text(tmp_path / "missing.json")
    with pytest.raises(BadInputError, match="folder"):
        files.read_text(tmp_path)
    (tmp_path / "latin1.h").write_bytes(b"caf\xe9")
    with pytest.raises(BadInputError, match="not UTF-8"):
        files.read_text(tmp_path / "latin1.h")
    (tmp_path / "big").write_bytes(b"x" * 11)
    with pytest.raises(BadInputError, match="larger than 10 bytes"):
        files.read_text(tmp_path / "big", max_bytes=10)


@pytest.mark.skipif(not Path("/bin").is_symlink(), reason="needs a symlinked /bin (merged /usr)")
def test_links_directly_under_the_root_are_the_systems_layout() -> None:
    assert files.cleanup_temp_files("/bin", min_age_seconds=0) == []
    assert files.remove_file("/bin/no-such-file-iotforge-test") is False
