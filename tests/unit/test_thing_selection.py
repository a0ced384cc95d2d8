"""`--things`: the one parser `iotforge each` and `iotforge device simulate` share (workflows.each.select_things)."""

from __future__ import annotations

import pytest

from iotforge.errors import BadInputError
from iotforge.workflows.each import select_things

NAMES = [f"dev_{index}" for index in (10, 2, 0, 1, 3, 11)] + ["gateway"]

CHOSEN = {
    "nothing means all, in natural order": (None, ["dev_0", "dev_1", "dev_2", "dev_3", "dev_10", "dev_11", "gateway"]),
    "all": ("all", ["dev_0", "dev_1", "dev_2", "dev_3", "dev_10", "dev_11", "gateway"]),
    "a number is an id, not a count": ("10", ["dev_10"]),
    "a range of ids": ("0-2", ["dev_0", "dev_1", "dev_2"]),
    "a range with gaps takes the ids it has": ("3-10", ["dev_3", "dev_10"]),
    "names, ids and ranges in the order given": ("gateway, 11,0-1", ["gateway", "dev_11", "dev_0", "dev_1"]),
    "a thing chosen twice is listed once": ("1,dev_1,0-1", ["dev_1", "dev_0"]),
}


@pytest.mark.parametrize("case", sorted(CHOSEN))
def test_things_chosen(case: str) -> None:
    selection, chosen = CHOSEN[case]
    assert select_things(NAMES, selection) == chosen


REFUSED = {
    "an id no thing has": ("4", "'4'"),
    "a range no thing falls in": ("4-9", "'4-9'"),
    "a range written backwards": ("3-0", "'3-0'"),
    "an unknown name": ("dev_1,sensor_1", "'sensor_1'"),
    "a negative number": ("-1", "'-1'"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_part_that_matches_no_thing_is_refused(case: str) -> None:
    selection, part = REFUSED[case]
    with pytest.raises(BadInputError) as refused:
        select_things(NAMES, selection)
    assert f"no thing matches {part}" in refused.value.message
