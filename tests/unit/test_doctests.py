"""Run the doctests on pure helpers."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from iotforge.workflows import credential_header, each, project


@pytest.mark.parametrize("module", [project, each, credential_header], ids=lambda module: module.__name__)
def test_doctests(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module)
    assert tried > 0
    assert failures == 0
