"""32 clients hammering mixed IoT calls at once: every answer is an AWS answer, never a 5xx."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.support.emulator import EmulatorHandle

THREADS = 32
DURATION_S = 10.0
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]})


def raw_iot(emulator: EmulatorHandle) -> Any:
    env = emulator.env
    return boto3.session.Session().client(
        "iot",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=8),
    )


def worker_script(iot: Any, worker: int, rng: random.Random) -> list[Callable[[], Any]]:
    """One round of calls; names overlap between workers on purpose, to make them collide."""
    thing = f"thing-{rng.randrange(8)}"
    policy = f"policy-{rng.randrange(4)}"
    group = f"group-{rng.randrange(3)}"
    state: dict[str, Any] = {}

    def create_certificate() -> None:
        state["cert"] = iot.create_keys_and_certificate(setAsActive=False)

    def attach_everything() -> None:
        arn = state["cert"]["certificateArn"]
        iot.attach_policy(policyName=policy, target=arn)
        iot.attach_thing_principal(thingName=thing, principal=arn)

    def detach_thing() -> None:
        iot.detach_thing_principal(thingName=thing, principal=state["cert"]["certificateArn"])

    return [
        lambda: iot.create_thing(thingName=thing, attributePayload={"attributes": {"w": str(worker % 2)}}),
        lambda: iot.create_policy(policyName=policy, policyDocument=POLICY),
        lambda: iot.create_thing_group(thingGroupName=group),
        lambda: iot.attach_policy(policyName=policy, target=f"arn:aws:iot:us-east-1:123456789012:thinggroup/{group}"),
        create_certificate,
        attach_everything,
        lambda: iot.describe_thing(thingName=thing),
        lambda: iot.list_things(),
        lambda: iot.list_targets_for_policy(policyName=policy),
        lambda: iot.list_certificates(),
        detach_thing,
        lambda: iot.delete_certificate(certificateId=state["cert"]["certificateId"], forceDelete=True),
        lambda: iot.delete_thing(thingName=thing),
        lambda: iot.delete_policy(policyName=policy),
        lambda: iot.delete_thing_group(thingGroupName=group),
    ]


@pytest.mark.slow
def test_concurrent_mixed_calls_never_answer_5xx(emulator: EmulatorHandle) -> None:
    # boto3 clients are thread-safe; building 32 of them would take seconds, so four threads share one.
    clients = [raw_iot(emulator) for _ in range(THREADS // 4)]
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + DURATION_S

    def run(worker: int) -> None:
        rng = random.Random(worker)
        seen: Counter[int] = Counter()
        while time.monotonic() < deadline:
            for call in worker_script(clients[worker % len(clients)], worker, rng):
                if time.monotonic() >= deadline:
                    break
                try:
                    call()
                    seen[200] += 1
                except ClientError as error:
                    status = int(error.response["ResponseMetadata"]["HTTPStatusCode"])
                    seen[status] += 1
                    if status >= 500:
                        with lock:
                            failures.append(f"{status} {error}")
                except KeyError:
                    seen[0] += 1  # a step whose certificate was never created this round
                except BotoCoreError as error:
                    with lock:
                        failures.append(f"transport: {error!r}")
        with lock:
            statuses.update(seen)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION_S + 60)

    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert statuses[200] > THREADS * 5, statuses
    # The collisions happened: some calls met conflicts or missing resources, as they would on AWS.
    assert sum(count for status, count in statuses.items() if 400 <= status < 500) > 0, statuses
