"""One boto3 client, one thing at a time: what Arm's createIoTThings.py does, in a loop.

Usage: python boto3_sequential.py COUNT BASE_NAME POLICY OUT_DIR (AWS settings from the environment).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import boto3


def provision(count: int, base_name: str, policy: str, out: Path) -> None:
    iot = boto3.session.Session().client("iot")
    for index in range(count):
        name = f"{base_name}_{index}"
        iot.create_thing(thingName=name)
        issued = iot.create_keys_and_certificate(setAsActive=True)
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "certificate.pem.crt").write_text(issued["certificatePem"])
        key = folder / "private.pem.key"
        key.write_text(issued["keyPair"]["PrivateKey"])
        os.chmod(key, 0o600)
        iot.attach_thing_principal(thingName=name, principal=issued["certificateArn"])
        iot.attach_policy(policyName=policy, target=issued["certificateArn"])


if __name__ == "__main__":
    provision(int(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]))
