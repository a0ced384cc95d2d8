"""Every patch iotforge applies to moto: one function each, naming the moto defect it fixes.

Review this package, and only this package, when upgrading moto (pinned to 5.1.22). The modules
go by theme: `certificates` (issuing, ids, deleting, listing), `registry` (things, thing groups
and their policies), `endpoints` (DescribeEndpoint) and `s3` (bucket names); `apply_all` below
lists every patch. Patches replace methods on moto's backend, model and response classes, so
moto's own handlers and any code calling `iot_backends[account][region]` directly see the same
behaviour. Each replacement is marked, and `_base.replace` leaves a marked method alone, so
applying the patches twice (a second emulator in the same process, a reloaded module) changes
nothing.
"""

from __future__ import annotations

from iotforge.emulator.moto_patches.certificates import (
    adopt_ca,
    emulator_ca,
    patch_certificate_delete_checks_by_arn,
    patch_certificate_id_from_der,
    patch_csr_certificates_issued_by_emulator_ca,
    patch_force_delete_detaches_policies,
    patch_keys_and_certificate_issued_by_emulator_ca,
    patch_list_certificates_order_and_pages,
)
from iotforge.emulator.moto_patches.endpoints import endpoint_address, patch_stable_endpoints
from iotforge.emulator.moto_patches.registry import (
    patch_constant_time_lookups,
    patch_create_thing_conflicts,
    patch_delete_thing_group_detaches_policies,
    patch_delete_thing_leaves_groups,
    patch_thing_group_missing_parent,
)
from iotforge.emulator.moto_patches.s3 import invalid_bucket_name, patch_bucket_name_rules
from iotforge.emulator.state import EmulatorState

__all__ = ["adopt_ca", "apply_all", "emulator_ca", "endpoint_address", "invalid_bucket_name"]


def apply_all(state: EmulatorState) -> None:
    emulator_ca(state)
    # certificates
    patch_certificate_id_from_der()
    patch_csr_certificates_issued_by_emulator_ca()
    patch_keys_and_certificate_issued_by_emulator_ca()
    patch_certificate_delete_checks_by_arn()
    patch_force_delete_detaches_policies()
    patch_list_certificates_order_and_pages()
    # registry
    patch_create_thing_conflicts()
    patch_constant_time_lookups()
    patch_delete_thing_leaves_groups()
    patch_thing_group_missing_parent()
    patch_delete_thing_group_detaches_policies()
    # endpoints and S3
    patch_stable_endpoints()
    patch_bucket_name_rules()
