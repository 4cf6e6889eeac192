"""Functions the AWS CDK adds to a stack by itself, recognised from what a resource hook sees.

A CDK app gets Lambda functions it never wrote: the singletons behind ``autoDeleteObjects``,
``restrictDefaultSecurityGroup``, ``BucketDeployment``, ``logRetention``, ``AwsCustomResource``,
bucket notifications, and the custom resource Provider framework. Their settings (a 900 s
timeout, a runtime, a memory size) are CDK's choice, and the app author usually cannot change
them. They are recognised by the construct ids CDK gives them (its logical ids are the construct
path plus an 8-hex-digit hash; the singletons have fixed uuids) together with their handler shape,
so the rules can say so instead of blocking as if the author had chosen the value.

Only the logical id and the properties are used: that is what a RESOURCE hook event carries (the
``aws:cdk:path`` metadata is not sent to hooks). Every pattern is anchored, with bounded
repetitions, and runs on a logical id cut to 255 characters (CloudFormation's limit).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["CdkFunction", "cdk_framework_function"]

_HASH = r"[0-9A-F]{8}"


class CdkFunction:
    """What CDK function it is, and how (if at all) the app can change its settings."""

    __slots__ = ("override", "what")

    def __init__(self, what: str, override: str) -> None:
        self.what = what
        self.override = override


#: (logical id pattern, handler values it has, what it is, how to override)
_KNOWN: tuple[tuple[re.Pattern[str], tuple[str, ...], str, str], ...] = (
    (re.compile(rf"CustomS3AutoDeleteObjectsCustomResourceProviderHandler{_HASH}"), ("__entrypoint__.handler", "index.handler"),
     "the autoDeleteObjects handler of s3.Bucket", "CDK offers no setting for it"),
    (re.compile(rf"CustomVpcRestrictDefaultSGCustomResourceProviderHandler{_HASH}"), ("__entrypoint__.handler", "index.handler"),
     "the restrictDefaultSecurityGroup handler of ec2.Vpc", "CDK offers no setting for it"),
    (re.compile(rf"CustomCDKBucketDeployment[0-9a-fA-F]{{32}}{_HASH}"), ("index.handler",),
     "the s3-deployment BucketDeployment handler", "BucketDeployment sets only its memoryLimit and ephemeralStorageSize"),
    (re.compile(rf"LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a{_HASH}"), ("index.handler",),
     "the logRetention handler", "CDK offers no setting for it"),
    (re.compile(rf"AWS679f53fac002430cb0da5b7982bd2287{_HASH}"), ("index.handler",),
     "the AwsCustomResource handler", "set the AwsCustomResource's timeout property"),
    (re.compile(rf"BucketNotificationsHandler050a0587b7544547bf325f094a3db834{_HASH}"), ("index.handler",),
     "the bucket notifications handler", "CDK offers no setting for it"),
    (re.compile(rf"[A-Za-z0-9]{{0,200}}framework(?:onEvent|isComplete|onTimeout){_HASH}"),
     ("framework.onEvent", "framework.isComplete", "framework.onTimeout"),
     "a custom resource Provider framework function", "CDK fixes the framework's timeout; the Provider's "
     "totalTimeout and queryInterval bound the whole operation"),
    (re.compile(rf"Custom[A-Za-z0-9]{{1,200}}CustomResourceProviderHandler{_HASH}"), ("__entrypoint__.handler",),
     "a CustomResourceProvider singleton", "CDK offers no setting for it"),
)


def cdk_framework_function(logical_id: str, properties: Mapping[str, Any]) -> CdkFunction | None:
    """The CDK function this resource is, when both its logical id and its handler say so."""
    lid = logical_id[:255]
    handler = properties.get("Handler")
    for pattern, handlers, what, override in _KNOWN:
        if pattern.fullmatch(lid) and handler in handlers:
            return CdkFunction(what, override)
    return None
