"""Generate the benchmark templates: 1, 100 and 500 Lambda functions, and 200 small templates.

Each function is a realistic, cfn-lint-clean CloudFormation resource with a mix of compliant and
non-compliant settings so both tools do real work. Output goes to bench/out/ (git-ignored).

Functions share one execution role, a resource of the template; at 500 functions that would be
501 resources, over CloudFormation's limit of 500 (govhook refuses such a template, as
CloudFormation does), so there the role is a parameter (``RoleArn``, an existing role's ARN).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RUNTIMES = ["python3.13", "nodejs22.x", "python3.12", "nodejs18.x", "java21", "provided.al2023"]

ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "ManagedPolicyArns": [
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
        ],
    },
}


def function(i: int) -> dict[str, object]:
    runtime = RUNTIMES[i % len(RUNTIMES)]
    handler = "index.handler" if not runtime.startswith("java") else "example.Handler::handleRequest"
    props: dict[str, object] = {
        "Runtime": runtime,
        "Handler": handler,
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        "MemorySize": [128, 256, 512, 1024, 4096][i % 5],
        "Timeout": [3, 30, 60, 900][i % 4],
        "Code": {"S3Bucket": "artifacts-bucket", "S3Key": f"fn{i}.zip"},
        "Architectures": ["arm64"],
        "Environment": {"Variables": {"STAGE": {"Ref": "Stage"}, "INDEX": str(i)}},
        "Tags": [{"Key": "team", "Value": "platform"}],
    }
    if i % 3 == 0:
        props["ReservedConcurrentExecutions"] = [5, 50, 150][i % 3 if i % 3 else (i // 3) % 3]
    return {"Type": "AWS::Lambda::Function", "Properties": props}


#: CloudFormation's limit on the resources of one template.
MAX_RESOURCES = 500


def template(n: int, offset: int = 0) -> dict[str, object]:
    role_resource = n + 1 <= MAX_RESOURCES
    resources: dict[str, object] = {"Role": ROLE} if role_resource else {}
    parameters: dict[str, object] = {"Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}}
    if not role_resource:
        parameters["RoleArn"] = {"Type": "String", "Default": "arn:aws:iam::123456789012:role/bench-lambda"}
    for i in range(offset, offset + n):
        fn = function(i)
        if not role_resource:
            fn["Properties"]["Role"] = {"Ref": "RoleArn"}  # type: ignore[index]
        resources[f"Function{i:04d}"] = fn
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"benchmark template with {n} Lambda functions",
        "Parameters": parameters,
        "Resources": resources,
    }


def to_yaml(doc: dict[str, object]) -> str:
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, width=1000)


def generate(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for n in (1, 100, 500):
        p = out / f"functions-{n}.yaml"
        p.write_text(to_yaml(template(n)))
        paths[f"{n} fn"] = p
    json_path = out / "functions-500.json"
    json_path.write_text(json.dumps(template(500), indent=1))
    paths["500 fn json"] = json_path
    many = out / "many"
    many.mkdir(exist_ok=True)
    for i in range(200):
        (many / f"stack-{i:03d}.yaml").write_text(to_yaml(template(1, offset=i)))
    paths["200 files"] = many
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    args = parser.parse_args()
    for name, path in generate(Path(args.out)).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
