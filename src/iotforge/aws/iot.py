"""The AWS IoT registry gateway: things, certificates, policies (implements IotRegistry)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from iotforge.aws.errors import translate_errors
from iotforge.aws.rate_limited import RateLimitedApi
from iotforge.errors import NotFoundError
from iotforge.workflows.models import CertificateSummary, IssuedCertificate, ThingSpec


class IotGateway(RateLimitedApi):
    # certificates ---------------------------------------------------------------------------------

    def create_certificate_from_csr(self, csr_pem: bytes) -> IssuedCertificate:
        found = self._call(
            "CreateCertificateFromCsr",
            "create a certificate from a CSR (iot:CreateCertificateFromCsr)",
            certificateSigningRequest=csr_pem.decode(),
            setAsActive=True,
        )
        return IssuedCertificate(found["certificateArn"], found["certificateId"], found["certificatePem"])

    def create_keys_and_certificate(self) -> IssuedCertificate:
        found = self._call(
            "CreateKeysAndCertificate", "create keys and a certificate (iot:CreateKeysAndCertificate)", setAsActive=True
        )
        return IssuedCertificate(
            found["certificateArn"], found["certificateId"], found["certificatePem"], found["keyPair"]["PrivateKey"]
        )

    def certificates_created_since(self, since: datetime) -> list[CertificateSummary]:
        """Certificates created at or after `since`, newest first.

        ListCertificates lists newest first, so the first page that reaches back before `since` is
        the last one read: older pages hold nothing newer. The rate-limit token is taken before each
        page's request (as `_paginate` does), and none for a page that will not be requested.
        """
        found: list[CertificateSummary] = []
        paginator = self._client().get_paginator("list_certificates")
        with translate_errors("list certificates (iot:ListCertificates)"):
            pages = iter(paginator.paginate(ascendingOrder=False))
            while True:
                self._limiter.acquire("ListCertificates")
                page = next(pages, None)
                if page is None:
                    return found
                items = page.get("certificates", [])
                found.extend(
                    CertificateSummary(
                        item["certificateArn"], item["certificateId"], item["status"], item["creationDate"]
                    )
                    for item in items
                    if item["creationDate"] >= since
                )
                if "nextMarker" not in page or any(item["creationDate"] < since for item in items):
                    return found

    def _describe_certificate(self, certificate_id: str) -> dict[str, Any]:
        description: dict[str, Any] = self._call(
            "DescribeCertificate",
            f"describe certificate {certificate_id[:12]}... (iot:DescribeCertificate)",
            certificateId=certificate_id,
        )["certificateDescription"]
        return description

    def certificate_pem(self, certificate_id: str) -> str:
        return str(self._describe_certificate(certificate_id)["certificatePem"])

    def certificate_arn(self, certificate_id: str) -> str:
        return str(self._describe_certificate(certificate_id)["certificateArn"])

    def certificate_status(self, certificate_id: str) -> str | None:
        try:
            return str(self._describe_certificate(certificate_id)["status"])
        except NotFoundError:
            return None

    def deactivate_certificate(self, certificate_id: str) -> None:
        self._call(
            "UpdateCertificate",
            f"deactivate certificate {certificate_id[:12]}... (iot:UpdateCertificate)",
            certificateId=certificate_id,
            newStatus="INACTIVE",
        )

    def delete_certificate(self, certificate_id: str) -> None:
        self._call(
            "DeleteCertificate",
            f"delete certificate {certificate_id[:12]}... (iot:DeleteCertificate)",
            certificateId=certificate_id,
        )

    # things ---------------------------------------------------------------------------------------

    def create_thing(self, spec: ThingSpec) -> str:
        arguments: dict[str, Any] = {"thingName": spec.name}
        if spec.attributes:
            arguments["attributePayload"] = {"attributes": dict(spec.attributes)}
        if spec.thing_type:
            arguments["thingTypeName"] = spec.thing_type
        arn = str(self._call("CreateThing", f"create thing {spec.name} (iot:CreateThing)", **arguments)["thingArn"])
        for group in spec.thing_groups:
            self._call(
                "AddThingToThingGroup",
                f"add {spec.name} to thing group {group} (iot:AddThingToThingGroup)",
                thingGroupName=group,
                thingName=spec.name,
            )
        return arn

    def delete_thing(self, thing_name: str) -> None:
        self._call("DeleteThing", f"delete thing {thing_name} (iot:DeleteThing)", thingName=thing_name)

    def thing_principals(self, thing_name: str) -> list[str] | None:
        try:
            return [
                str(principal)
                for principal in self._paginate(
                    "ListThingPrincipals",
                    f"list principals of {thing_name} (iot:ListThingPrincipals)",
                    "principals",
                    thingName=thing_name,
                )
            ]
        except NotFoundError:
            return None

    def principal_things(self, principal: str) -> list[str]:
        try:
            things = self._paginate(
                "ListPrincipalThings",
                f"list the things of certificate {principal.rsplit('/', 1)[-1][:12]}... (iot:ListPrincipalThings)",
                "things",
                principal=principal,
            )
        except NotFoundError:
            return []
        return [str(name) for name in things]

    def attach_thing_principal(self, thing_name: str, certificate_arn: str) -> None:
        self._call(
            "AttachThingPrincipal",
            f"attach the certificate to {thing_name} (iot:AttachThingPrincipal)",
            thingName=thing_name,
            principal=certificate_arn,
            thingPrincipalType="EXCLUSIVE_THING",
        )

    def detach_thing_principal(self, thing_name: str, principal: str) -> None:
        self._call(
            "DetachThingPrincipal",
            f"detach a certificate from {thing_name} (iot:DetachThingPrincipal)",
            thingName=thing_name,
            principal=principal,
        )

    # policies -------------------------------------------------------------------------------------

    def policy_exists(self, policy_name: str) -> bool:
        try:
            self._call("GetPolicy", f"read policy {policy_name} (iot:GetPolicy)", policyName=policy_name)
        except NotFoundError:
            return False
        return True

    def create_policy(self, policy_name: str, document: str) -> None:
        self._call(
            "CreatePolicy",
            f"create policy {policy_name} (iot:CreatePolicy)",
            policyName=policy_name,
            policyDocument=document,
        )

    def attach_policy(self, policy_name: str, certificate_arn: str) -> None:
        self._call(
            "AttachPolicy",
            f"attach policy {policy_name} (iot:AttachPolicy)",
            policyName=policy_name,
            target=certificate_arn,
        )

    def attached_policies(self, target: str) -> list[str]:
        policies = self._paginate(
            "ListAttachedPolicies", "list attached policies (iot:ListAttachedPolicies)", "policies", target=target
        )
        return [str(policy["policyName"]) for policy in policies]

    def detach_policy(self, policy_name: str, target: str) -> None:
        self._call(
            "DetachPolicy", f"detach policy {policy_name} (iot:DetachPolicy)", policyName=policy_name, target=target
        )

    def policy_targets(self, policy_name: str) -> list[str] | None:
        try:
            return [
                str(target)
                for target in self._paginate(
                    "ListTargetsForPolicy",
                    f"list targets of policy {policy_name} (iot:ListTargetsForPolicy)",
                    "targets",
                    policyName=policy_name,
                )
            ]
        except NotFoundError:
            return None

    def delete_policy(self, policy_name: str) -> None:
        versions = self._call(
            "ListPolicyVersions", f"list versions of {policy_name} (iot:ListPolicyVersions)", policyName=policy_name
        )["policyVersions"]
        for version in versions:
            if not version.get("isDefaultVersion"):
                self._call(
                    "DeletePolicyVersion",
                    f"delete a version of {policy_name} (iot:DeletePolicyVersion)",
                    policyName=policy_name,
                    policyVersionId=version["versionId"],
                )
        self._call("DeletePolicy", f"delete policy {policy_name} (iot:DeletePolicy)", policyName=policy_name)

    # inventory ------------------------------------------------------------------------------------

    def create_thing_group(self, group_name: str) -> str:
        found = self._call(
            "CreateThingGroup", f"create thing group {group_name} (iot:CreateThingGroup)", thingGroupName=group_name
        )
        return str(found["thingGroupArn"])

    def delete_thing_group(self, group_name: str) -> None:
        self._call(
            "DeleteThingGroup", f"delete thing group {group_name} (iot:DeleteThingGroup)", thingGroupName=group_name
        )

    def count_resources(self) -> dict[str, int]:
        """How many things, thing groups, certificates and policies the account has in this region."""
        return {
            "thing_groups": len(
                self._paginate("ListThingGroups", "list thing groups (iot:ListThingGroups)", "thingGroups")
            ),
            "things": len(self._paginate("ListThings", "list things (iot:ListThings)", "things")),
            "certificates": len(
                self._paginate("ListCertificates", "list certificates (iot:ListCertificates)", "certificates")
            ),
            "policies": len(self._paginate("ListPolicies", "list policies (iot:ListPolicies)", "policies")),
        }
