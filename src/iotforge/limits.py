"""AWS IoT Core's published control-plane rate limits (requests per second, per account and region).

Used by the client-side limiter (aws/iot.py) and by the emulator's `--quotas aws`, so both agree on one table.

Sources, checked against stored copies (the live pages could not be fetched when this was checked):

- AWS IoT Core endpoints and quotas, "API throttling limits" (control plane):
  https://docs.aws.amazon.com/general/latest/gr/iot-core.html#throttling-limits
  Its current table could not be read in full. Values are from its predecessor, the AWS IoT Developer
  Guide's "AWS IoT Limits" page, table "AWS IoT Throttling Limits" (API | Transactions per Second;
  awsdocs/aws-iot-docs, developerguide/limits-iot.md), except the thing-registry APIs marked
  "Service Quotas" below. AWS raised those since; their current defaults are from the Service Quotas
  list for `iotcore` ("<API> API TPS", e.g. CreateThing L-64CBACAC = 100). The IoT Core page quoted in
  aws-iot-builder-tools/thingpress doc/aws-api-limits.md (checked 2025-06-13) agrees: AttachPolicy 15,
  AttachThingPrincipal 100, AddThingToThingGroup 100, CreateThing 100, DescribeCertificate 10,
  DescribeThing 350, DescribeThingGroup 100, GetPolicy 10.
- Jobs APIs: the same "AWS IoT Throttling Limits" table. They are now listed on
  https://docs.aws.amazon.com/general/latest/gr/iot_device_management.html#job-limits
- OTA updates: FreeRTOS endpoints and quotas, "FreeRTOS OTA Throttling":
  https://docs.aws.amazon.com/general/latest/gr/amazon-freertos.html
"""

from __future__ import annotations

AWS_IOT_RATES: dict[str, float] = {
    "AcceptCertificateTransfer": 10,
    "AddThingToThingGroup": 100,  # Service Quotas (the older table said 60)
    "AttachPolicy": 15,
    "AttachPrincipalPolicy": 15,
    "AttachThingPrincipal": 100,  # Service Quotas (the older table said 15)
    "CancelJob": 10,
    "CancelJobExecution": 10,
    "CreateCertificateFromCsr": 15,
    "CreateJob": 10,
    "CreateKeysAndCertificate": 10,  # not in the published table; conservative guess
    "CreateOTAUpdate": 10,
    "CreatePolicy": 10,
    "CreatePolicyVersion": 10,
    "CreateStream": 15,  # not in the published table; conservative guess
    "CreateThing": 100,  # Service Quotas (the older table said 15)
    "CreateThingGroup": 25,
    "CreateThingType": 15,
    "DeleteCertificate": 10,
    "DeleteJob": 10,
    "DeleteJobExecution": 10,
    "DeleteOTAUpdate": 5,
    "DeletePolicy": 10,
    "DeletePolicyVersion": 10,
    "DeleteStream": 15,  # not in the published table; conservative guess
    "DeleteThing": 100,  # Service Quotas (the older table said 15)
    "DeleteThingGroup": 15,
    "DescribeCertificate": 10,
    "DescribeEndpoint": 10,  # not in the published table; conservative guess
    "DescribeJob": 10,
    "DescribeJobExecution": 10,
    "DescribeStream": 15,  # not in the published table; conservative guess
    "DescribeThing": 350,
    "DescribeThingGroup": 100,
    "DescribeThingRegistrationTask": 10,  # not in the published table; conservative guess
    "DetachPolicy": 15,
    "DetachPrincipalPolicy": 15,
    "DetachThingPrincipal": 100,  # Service Quotas (the older table said 15)
    "GetOTAUpdate": 15,
    "GetPolicy": 10,
    "GetPolicyVersion": 15,
    "ListAttachedPolicies": 15,
    "ListCertificates": 10,
    "ListJobExecutionsForJob": 10,
    "ListJobExecutionsForThing": 10,
    "ListJobs": 10,
    "ListOTAUpdates": 15,
    "ListPolicies": 10,
    "ListPolicyPrincipals": 10,
    "ListPolicyVersions": 10,
    "ListPrincipalThings": 10,
    "ListStreams": 15,  # not in the published table; conservative guess
    "ListTagsForResource": 10,
    "ListTargetsForPolicy": 10,
    "ListThingGroups": 10,
    "ListThingPrincipals": 10,
    "ListThingRegistrationTaskReports": 10,  # not in the published table; conservative guess
    "ListThingRegistrationTasks": 10,  # not in the published table; conservative guess
    "ListThings": 10,
    "ListThingsInThingGroup": 25,
    "RemoveThingFromThingGroup": 100,  # Service Quotas (the older table said 15)
    "StartThingRegistrationTask": 10,  # not in the published table; conservative guess
    "StopThingRegistrationTask": 10,  # not in the published table; conservative guess
    "TagResource": 10,
    "UntagResource": 10,
    "UpdateCertificate": 10,
    "UpdateJob": 10,
    "UpdateThing": 100,  # Service Quotas (the older table said 10)
    "UpdateThingGroup": 15,
}


def scaled_rates(scale: float) -> dict[str, float]:
    """The rates the client paces itself to: AWS's defaults times `scale`; 0 turns pacing off (an empty table).

    An account whose quotas AWS raised passes its factor (e.g. 2 for doubled quotas); the emulator
    without quotas, or a test, passes 0.

    >>> scaled_rates(2)["AttachPolicy"]
    30.0
    >>> scaled_rates(0)
    {}
    """
    return {operation: rate * scale for operation, rate in AWS_IOT_RATES.items()} if scale > 0 else {}
