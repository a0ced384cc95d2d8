"""The seeds' command names, each an extra registration of the same command object as its native twin.

Arm's createIoTThings.py (docs: tools/scripts/createIoTThings.py in iot-reference-arm-corstone3xx):
every command keeps its name and its option spellings (`--thing_name`, and `--thing-name` too),
so its scripts run with `iotforge` in place of `python tools/scripts/createIoTThings.py`.
The Zerynth `ztc aws` names are in project.SEED_COMMANDS.
"""

from __future__ import annotations

import click

from iotforge.cli.commands import bucket, cert, job, ota_setup, policy, role, simplified, thing
from iotforge.cli.commands.listing import LIST_COMMANDS, list_all

# seed name -> command                                   native name
ARM_COMMANDS: dict[str, click.Command] = {
    "create-thing-only": thing.create_thing_only,  # thing create
    "create-policy-only": policy.create_policy_only,  # policy create
    "create-thing-and-policy": thing.create_thing_and_policy,
    "create-bucket-only": bucket.create_bucket_only,  # bucket create
    "create-iam-role-only": role.create_iam_role_only,  # role create
    "create-update-only": ota_setup.create_update_only,
    "create-bucket-role-update": ota_setup.create_bucket_role_update,
    "create-update-simplified": simplified.create_update_simplified_command,
    "cleanup-simplified": simplified.cleanup_simplified_command,
    "create-settings-file": simplified.create_settings_file,  # settings init
    "list-things": LIST_COMMANDS["things"],  # thing list
    "list-policies": LIST_COMMANDS["policies"],  # policy list
    "list-certificates": LIST_COMMANDS["certificates"],  # cert list
    "list-iam-roles": LIST_COMMANDS["roles"],  # role list
    "list-buckets": LIST_COMMANDS["buckets"],  # bucket list
    "list-ota-updates": LIST_COMMANDS["ota-updates"],
    "list-jobs": LIST_COMMANDS["jobs"],  # job list
    "list-all": list_all,
    "delete-thing": thing.delete_thing_command,  # thing delete
    "delete-policy": policy.delete_policy_command,  # policy delete
    "delete-certificate": cert.delete_certificate_command,  # cert delete
    "delete-iam-role": role.delete_iam_role,  # role delete
    "delete-bucket": bucket.delete_bucket_command,  # bucket delete
    "delete-job": job.delete_job,  # job delete
    "delete-ota-update": job.delete_ota_update,
}

NATIVE_GROUPS: tuple[click.Group, ...] = (
    thing.thing_group,
    policy.policy_group,
    cert.cert_group,
    bucket.bucket_group,
    role.role_group,
    job.job_group,
    simplified.settings_group,
)
