"""Scenario 4: device keys and CSRs made locally, in this process, with iotforge.crypto."""

from __future__ import annotations

import time

from benchmarks.context import Context
from benchmarks.model import Measurement, ScenarioResult, Target
from iotforge.crypto import KeyType, build_csr, generate_private_key, private_key_pem

MIN_KEYS = 5


def keys_per_second(key_type: KeyType, seconds: float) -> float:
    """Make key + PEM + CSR, as add-things does for each thing, for about `seconds`; keys per second."""
    made = 0
    started = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds or made < MIN_KEYS:
        key = generate_private_key(key_type)
        private_key_pem(key)
        build_csr(key, f"dev_{made}")
        made += 1
        elapsed = time.perf_counter() - started
    return made / elapsed


def run(ctx: Context) -> list[ScenarioResult]:
    result = ScenarioResult("keys", "Local keys: key + PEM + CSR per second, one thread", None)
    ec: list[float] = []
    rsa: list[float] = []
    for round_number in range(1, ctx.runs + 1):
        ctx.log(f"keys round {round_number}/{ctx.runs}")
        ec.append(keys_per_second("ec-p256", ctx.sizes.key_seconds))
        rsa.append(keys_per_second("rsa-2048", ctx.sizes.rsa_seconds))
    result.measurements += [
        Measurement(
            "EC P-256 (iotforge.crypto)", "throughput", "keys/s", None, ec, Target(5000, "at_least"), throughput=True
        ),
        Measurement("RSA-2048 (iotforge.crypto)", "throughput", "keys/s", None, rsa, throughput=True),
    ]
    result.notes.append(
        "Each key is generated, serialized as PKCS#8 PEM and signs a CSR naming its thing, as add-things does; "
        f"each run lasts about {ctx.sizes.key_seconds:g} s (EC) and {ctx.sizes.rsa_seconds:g} s (RSA) "
        "in the benchmark process, on one thread."
    )
    return [result]
