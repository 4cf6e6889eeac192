"""A small hand-written CDK cloud assembly for tests: what `cdk synth` writes, cut to what govhook reads.

- ``Orders`` (stackName ``orders-prod``, aws://111111111111/eu-west-1): a user function on
  nodejs18.x at 4096 MB, CDK's LogRetention function (nodejs24.x, 900 s), and a nested stack whose
  template is an assembly file named by ``aws:asset:path``.
- ``assembly-Prod`` (a Stage): ``ProdApi`` (stackName ``Prod-Api``) written by the legacy
  synthesizer: asset parameters without defaults for the code location, and a nested stack found
  through its asset manifest's object key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LOG_RETENTION = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"


def function(path: str, runtime: str = "python3.13", memory: int = 256, timeout: int = 30,
             metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": runtime, "Handler": "index.handler", "MemorySize": memory, "Timeout": timeout,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(e, c): return 1"},
        },
        "Metadata": {"aws:cdk:path": path, **(metadata or {})},
    }


def write(root: Path, *, ack: dict[str, str] | None = None, handler_metadata: dict[str, Any] | None = None,
          path_metadata: bool = True) -> Path:
    out = root / "cdk.out"
    (out / "assembly-Prod").mkdir(parents=True)
    handler = function("Orders/Handler/Resource", "nodejs18.x", 4096, metadata=handler_metadata)
    log_retention = function(f"Orders/{LOG_RETENTION}/Resource", "nodejs24.x", 128, 900)
    orders = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}},
                     "Metadata": {"aws:cdk:path": "Orders/Role/Resource"}},
            "Handler886CB40B": handler,
            f"{LOG_RETENTION}FD4BFC8A": log_retention,
            "NestedNestedStackResource": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": {"Fn::Join": ["", ["https://s3/", "nested.json"]]}},
                "Metadata": {"aws:cdk:path": "Orders/Nested.NestedStack/Orders.Nested.NestedStackResource",
                             "aws:asset:path": "OrdersNested.nested.template.json"},
            },
        }
    }
    if not path_metadata:
        for res in orders["Resources"].values():
            res["Metadata"].pop("aws:cdk:path", None)
    nested = {"Resources": {"Worker": function("Orders/Nested/Worker/Resource", "python3.9")}}
    meta: dict[str, list[dict[str, Any]]] = {
        "/Orders/Handler/Resource": [{"type": "aws:cdk:logicalId", "data": "Handler886CB40B"}],
        f"/Orders/{LOG_RETENTION}/Resource": [{"type": "aws:cdk:logicalId", "data": f"{LOG_RETENTION}FD4BFC8A"}],
    }
    if ack:
        meta["/Orders/Handler"] = [{"type": "aws:cdk:acknowledged-rules", "data": ack}]
    (out / "Orders.template.json").write_text(json.dumps(orders, indent=1))
    (out / "OrdersNested.nested.template.json").write_text(json.dumps(nested, indent=1))
    (out / "Orders.metadata.json").write_text(json.dumps(meta))
    (out / "manifest.json").write_text(json.dumps({
        "version": "55.0.0",
        "artifacts": {
            "assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
            "Orders": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1",
                       "properties": {"templateFile": "Orders.template.json", "stackName": "orders-prod"},
                       "additionalMetadataFile": "Orders.metadata.json"},
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        },
    }))
    prod = out / "assembly-Prod"
    api = {
        "Parameters": {
            "AssetParametersabcS3Bucket": {"Type": "String", "Description": "S3 bucket for asset abc"},
            "AssetParametersabcS3VersionKey": {"Type": "String"},
        },
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": "python3.12", "Handler": "app.handler", "MemorySize": 512,
                               "Role": "arn:aws:iam::222222222222:role/x",
                               "Code": {"S3Bucket": {"Ref": "AssetParametersabcS3Bucket"},
                                        "S3Key": {"Ref": "AssetParametersabcS3VersionKey"}}},
                "Metadata": {"aws:cdk:path": "Prod/Api/Fn/Resource"},
            },
            "Inner": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": {"Fn::Sub": "https://s3.${AWS::Region}.amazonaws.com/b/0a1b2c.json"}},
                "Metadata": {"aws:cdk:path": "Prod/Api/Inner.NestedStack/Inner.NestedStackResource"},
            },
        },
    }
    (prod / "ProdApi1A2B.template.json").write_text(json.dumps(api, indent=1))
    (prod / "ProdApiInner.nested.template.json").write_text(json.dumps(
        {"Resources": {"Job": function("Prod/Api/Inner/Job/Resource", "nodejs16.x")}}))
    (prod / "ProdApi1A2B.assets.json").write_text(json.dumps({"version": "55.0.0", "files": {
        "0a1b2c": {"source": {"path": "ProdApiInner.nested.template.json", "packaging": "file"},
                   "destinations": {"current": {"bucketName": "b", "objectKey": "0a1b2c.json"}}}}}))
    (prod / "manifest.json").write_text(json.dumps({
        "version": "55.0.0",
        "artifacts": {
            "ProdApi1A2B.assets": {"type": "cdk:asset-manifest", "properties": {"file": "ProdApi1A2B.assets.json"}},
            "ProdApi1A2B": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
                            "properties": {"templateFile": "ProdApi1A2B.template.json", "stackName": "Prod-Api"},
                            "dependencies": ["ProdApi1A2B.assets"],
                            "metadata": {"/Prod/Api/Fn/Resource": [{"type": "aws:cdk:logicalId", "data": "Fn"}]}},
        },
    }))
    return out
