"""Account-level reads: identity, region, endpoint, and harmless per-service probes."""

from __future__ import annotations

from iotforge.aws.errors import translate_errors
from iotforge.aws.session import AwsSession
from iotforge.workflows.models import CallerIdentity


class AccountGateway:
    def __init__(self, session: AwsSession) -> None:
        self._session = session

    def region(self) -> str:
        return self._session.region

    def caller_identity(self) -> CallerIdentity:
        with translate_errors("identify the caller (sts:GetCallerIdentity)"):
            found = self._session.client("sts").get_caller_identity()
        return CallerIdentity(account=found["Account"], arn=found["Arn"], user_id=found["UserId"])

    def data_endpoint(self, endpoint_type: str = "iot:Data-ATS") -> str:
        with translate_errors(f"look up the {endpoint_type} endpoint (iot:DescribeEndpoint)"):
            address: str = self._session.client("iot").describe_endpoint(endpointType=endpoint_type)["endpointAddress"]
        return address

    def probe_read(self, service: str) -> str:
        """Make one harmless read call on `service`; return what it showed."""
        if service == "iot":
            with translate_errors("list things (iot:ListThings)"):
                self._session.client("iot").list_things(maxResults=1)
            return "iot:ListThings allowed"
        if service == "iam":
            with translate_errors("list roles (iam:ListRoles)"):
                self._session.client("iam").list_roles(MaxItems=1)
            return "iam:ListRoles allowed"
        if service == "s3":
            with translate_errors("list buckets (s3:ListAllMyBuckets)"):
                self._session.client("s3").list_buckets()
            return "s3:ListAllMyBuckets allowed"
        raise ValueError(f"no probe for service {service!r}")
