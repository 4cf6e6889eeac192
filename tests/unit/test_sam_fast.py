"""The boto3 stand-ins used while samtranslator is imported never leak into sys.modules."""

from __future__ import annotations

import sys

from hook.cli.adapters.sam import expand
from hook.cli.adapters.sam_fast import sam_api

SAM = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Fn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Runtime": "python3.13", "Handler": "a.h", "CodeUri": ".", "AutoPublishAlias": "live",
                           "Policies": [{"S3ReadPolicy": {"BucketName": "b"}}]},
        }
    },
}


def test_stand_ins_are_removed_and_the_policy_templates_are_checked_once() -> None:
    # GIVEN samtranslator loaded through sam_fast
    api = sam_api()
    # WHEN two templates are expanded
    first, _ = expand(SAM, {}, region="us-east-1", account_id="123456789012")
    second, origin = expand(SAM, {}, region="us-east-1", account_id="123456789012")
    # THEN the loader is the same object, the results are equal, and policy templates were resolved
    assert sam_api() is api
    assert first == second
    role = second["Resources"]["FnRole"]["Properties"]
    assert any(p["PolicyName"] == "FnRolePolicy0" for p in role["Policies"])
    assert origin["FnAliaslive"] == "Fn"
    # AND whatever boto3 is in sys.modules is the real library, never the stand-in
    mod = sys.modules.get("boto3")
    assert mod is None or "stand-in" not in (mod.__doc__ or "")
    client = getattr(sys.modules.get("botocore"), "client", None)
    assert client is None or client is sys.modules.get("botocore.client")


def test_samtranslator_catches_the_real_botocore_errors_once_the_real_library_is_reached() -> None:
    # GIVEN samtranslator loaded through sam_fast (botocore.exceptions a stand-in while it imports)
    sam_api()
    from samtranslator.plugins.application import serverless_app_plugin as plugin

    from hook.cli.adapters import sam_fast

    # WHEN a call reaches the real library (a SAR client's Config, as the plugin builds it)
    config = sam_fast._real("botocore.config").Config(retries={"max_attempts": 1})
    # THEN the plugin's except clauses name the real botocore classes, and the stand-ins are gone
    import botocore.exceptions

    assert plugin.ClientError is botocore.exceptions.ClientError
    assert plugin.EndpointConnectionError is botocore.exceptions.EndpointConnectionError
    assert sys.modules["botocore.exceptions"] is botocore.exceptions
    assert "stand-in" not in (botocore.exceptions.ClientError.__doc__ or "")
    assert config.retries == {"max_attempts": 1}
