from tests.support.emulator import EmulatorHandle


def test_emulator_serves_iot_and_resets_between_tests(emulator: EmulatorHandle) -> None:
    iot = emulator.client("iot")
    iot.create_thing(thingName="smoke")
    assert [t["thingName"] for t in iot.list_things()["things"]] == ["smoke"]
    emulator.reset()
    assert iot.list_things()["things"] == []
