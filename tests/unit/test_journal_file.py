"""The journal file itself: every appended record is read back whole, from any number of threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from iotforge.local.journal import JsonlJournal

THREADS = 16
PER_THREAD = 25


def _append_from_threads(journal: JsonlJournal) -> None:
    start = threading.Barrier(THREADS)

    def worker(number: int) -> None:
        start.wait()
        for index in range(PER_THREAD):
            journal.append({"thread": number, "index": index})

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_appends_share_fsyncs_and_every_record_reads_back_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fsyncs: list[int] = []
    real_fsync = os.fsync

    def slow_fsync(descriptor: int) -> None:
        time.sleep(0.002)  # a disk's fsync: the other threads queue their lines meanwhile
        fsyncs.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    journal = JsonlJournal(tmp_path / ".iotforge" / "journal.jsonl")
    _append_from_threads(journal)

    records = journal.records()
    assert len(records) == THREADS * PER_THREAD
    for number in range(THREADS):
        assert [record["index"] for record in records if record["thread"] == number] == list(range(PER_THREAD))
    assert len(fsyncs) < THREADS * PER_THREAD / 2, "appends waiting on one fsync should share the next"
    assert (tmp_path / ".iotforge" / "journal.jsonl").stat().st_mode & 0o777 == 0o600


def test_a_torn_line_left_by_a_crash_does_not_swallow_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b'{"type":"batch","n":1}\n{"type":"intent","thi')  # killed mid-write
    journal = JsonlJournal(path)
    journal.append({"type": "resumed"})
    journal.append({"type": "done"})
    assert [record["type"] for record in journal.records()] == ["batch", "resumed", "done"]


def test_a_failed_write_raises_in_every_caller_whose_line_it_carried(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.mkdir()  # nothing can be appended to a folder
    journal = JsonlJournal(path)
    with pytest.raises(IsADirectoryError):
        journal.append({"type": "intent"})
    path.rmdir()
    journal.append({"type": "after"})  # the journal recovers once the path is writable
    assert [record["type"] for record in journal.records()] == ["after"]


def test_after_a_failed_write_the_next_record_starts_on_its_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    journal = JsonlJournal(path)
    journal.append({"type": "first"})
    real_write = os.write
    calls = {"count": 0}

    def torn_write(descriptor: int, data: bytes | memoryview) -> int:
        calls["count"] += 1
        if calls["count"] == 1:
            real_write(descriptor, bytes(data)[:5])  # the disk filled up mid-line
            raise OSError(28, "No space left on device")
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", torn_write)
    with pytest.raises(OSError, match="No space"):
        journal.append({"type": "lost"})
    journal.append({"type": "next"})
    assert [record["type"] for record in journal.records()] == ["first", "next"]


def test_a_non_durable_record_reaches_the_disk_with_the_next_durable_one_in_order(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = JsonlJournal(path)
    journal.append({"type": "intent"})
    journal.append({"type": "done-thing"}, durable=False)
    journal.append({"type": "done-policy"}, durable=False)
    assert [record["type"] for record in JsonlJournal(path).records()] == ["intent"]  # not yet on disk
    journal.append({"type": "next-intent"})
    assert [record["type"] for record in JsonlJournal(path).records()] == [
        "intent",
        "done-thing",
        "done-policy",
        "next-intent",
    ]


def test_flush_writes_what_is_queued_and_nothing_when_nothing_is(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = JsonlJournal(path)
    journal.flush()
    assert not path.exists()
    journal.append({"type": "done"}, durable=False)
    journal.flush()
    assert [record["type"] for record in JsonlJournal(path).records()] == ["done"]
