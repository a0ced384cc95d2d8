"""AWS IoT Core's published per-account API rate limits, as token buckets.

Rates (requests per second) from the AWS IoT Core endpoints and quotas page, "Control plane API
throttling"; operations not listed are not throttled by the emulator.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

AWS_IOT_RATES: dict[str, float] = {
    "AcceptCertificateTransfer": 10,
    "AddThingToThingGroup": 100,
    "AttachPolicy": 15,
    "AttachPrincipalPolicy": 15,
    "AttachThingPrincipal": 15,
    "CancelJob": 10,
    "CancelJobExecution": 10,
    "CreateCertificateFromCsr": 15,
    "CreateJob": 10,
    "CreateKeysAndCertificate": 10,
    "CreateOTAUpdate": 10,
    "CreatePolicy": 10,
    "CreatePolicyVersion": 10,
    "CreateStream": 15,
    "CreateThing": 15,
    "CreateThingGroup": 25,
    "CreateThingType": 15,
    "DeleteCertificate": 10,
    "DeleteJob": 10,
    "DeleteJobExecution": 10,
    "DeleteOTAUpdate": 10,
    "DeletePolicy": 10,
    "DeletePolicyVersion": 10,
    "DeleteStream": 15,
    "DeleteThing": 15,
    "DeleteThingGroup": 25,
    "DescribeCertificate": 10,
    "DescribeEndpoint": 10,
    "DescribeJob": 10,
    "DescribeJobExecution": 10,
    "DescribeStream": 15,
    "DescribeThing": 350,
    "DescribeThingGroup": 100,
    "DescribeThingRegistrationTask": 10,
    "DetachPolicy": 15,
    "DetachPrincipalPolicy": 15,
    "DetachThingPrincipal": 15,
    "GetOTAUpdate": 10,
    "GetPolicy": 15,
    "GetPolicyVersion": 15,
    "ListAttachedPolicies": 15,
    "ListCertificates": 10,
    "ListJobExecutionsForJob": 10,
    "ListJobExecutionsForThing": 10,
    "ListJobs": 10,
    "ListOTAUpdates": 10,
    "ListPolicies": 10,
    "ListPolicyPrincipals": 10,
    "ListPrincipalThings": 10,
    "ListStreams": 15,
    "ListTagsForResource": 10,
    "ListTargetsForPolicy": 10,
    "ListThingGroups": 10,
    "ListThingPrincipals": 10,
    "ListThingRegistrationTaskReports": 10,
    "ListThingRegistrationTasks": 10,
    "ListThings": 10,
    "ListThingsInThingGroup": 25,
    "RemoveThingFromThingGroup": 100,
    "StartThingRegistrationTask": 10,
    "StopThingRegistrationTask": 10,
    "TagResource": 10,
    "UntagResource": 10,
    "UpdateCertificate": 10,
    "UpdateJob": 10,
    "UpdateThing": 15,
    "UpdateThingGroup": 25,
}


@dataclass
class TokenBucket:
    rate: float
    tokens: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        # AWS allows a burst of about one second's worth of calls.
        self.tokens = self.rate

    def take(self, now: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class QuotaLimiter:
    rates: dict[str, float] = field(default_factory=lambda: dict(AWS_IOT_RATES))
    _buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, operation: str, scope: str = "") -> bool:
        """Take a token for `operation`; `scope` separates buckets (AWS counts per account and region)."""
        rate = self.rates.get(operation)
        if rate is None:
            return True
        with self._lock:
            key = (scope, operation)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(rate)
            return bucket.take(time.monotonic())

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
