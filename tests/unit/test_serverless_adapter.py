"""The serverless adapter builds what the Serverless Framework deploys, resolves only what is unambiguous."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hook.cli.adapters.serverless import (
    load_serverless,
    logical_id_prefix,
    targets_from_serverless,
)
from hook.core.errors import TemplateError
from hook.core.model import ResourceTarget, StackTarget
from hook.inputs.locations import Locator
from hook.inputs.yamlcfn import load_template_text
from hook.sdk import Unresolved

ROOT = Path(__file__).resolve().parents[2]


def build(text: str, **options: str) -> tuple[dict[str, ResourceTarget], StackTarget]:
    targets, _, _ = targets_from_serverless(load_template_text(text), options=options)
    resources = {t.logical_id: t for t in targets if isinstance(t, ResourceTarget)}
    stacks = [t for t in targets if isinstance(t, StackTarget)]
    assert len(stacks) == 1 and targets[-1] is stacks[0]
    return resources, stacks[0]


def fn(text: str, name: str = "HelloLambdaFunction", **options: str) -> dict[str, Any]:
    return dict(build(text, **options)[0][name].properties)


BASE = """
service: orders
provider:
  name: aws
  runtime: python3.12
  memorySize: 512
  environment: {A: from-provider, B: from-provider}
  tags: {team: payments}
functions:
"""


def write(tmp_path: Path, text: str, name: str = "serverless.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- mapping -----------------------------------------------------------------------------------


def test_function_settings_override_provider_settings_and_framework_defaults_fill_the_rest() -> None:
    # GIVEN a provider with runtime, memory, environment and tags, and a function overriding some
    props = fn(BASE + """  hello:
    handler: app.main
    memorySize: 1024
    timeout: 20
    reservedConcurrency: "5"
    architecture: arm64
    environment: {B: from-function, C: c}
    tags: {tier: critical}
    layers: [arn:aws:lambda:us-east-1:123456789012:layer:x:1]
""")
    # THEN the function wins key by key; maps are merged; tags become CloudFormation's list
    assert props["Runtime"] == "python3.12"
    assert props["MemorySize"] == 1024 and props["Timeout"] == 20
    assert props["ReservedConcurrentExecutions"] == "5"
    assert props["Architectures"] == ["arm64"]
    assert props["Environment"] == {"Variables": {"A": "from-provider", "B": "from-function", "C": "c"}}
    assert props["Tags"] == [{"Key": "team", "Value": "payments"}, {"Key": "tier", "Value": "critical"}]
    assert props["Layers"] == ["arn:aws:lambda:us-east-1:123456789012:layer:x:1"]
    assert props["Handler"] == "app.main" and props["FunctionName"] == "orders-dev-hello"
    # AND the Framework's own defaults (1024 MB, 6 s) apply when nothing is set
    bare = fn("service: s\nprovider: {name: aws, runtime: nodejs22.x}\nfunctions: {hello: {handler: a.b}}\n")
    assert bare["MemorySize"] == 1024 and bare["Timeout"] == 6 and "Architectures" not in bare


def test_tracing_from_provider_lambda_or_the_function() -> None:
    on = fn("service: s\nprovider: {name: aws, runtime: python3.13, tracing: {lambda: true}}\n"
            "functions: {hello: {handler: a.b}}\n")
    assert on["TracingConfig"] == {"Mode": "Active"}
    off = fn("service: s\nprovider: {name: aws, runtime: python3.13, tracing: {lambda: true}}\n"
             "functions: {hello: {handler: a.b, tracing: PassThrough}}\n")
    assert off["TracingConfig"] == {"Mode": "PassThrough"}


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("hello", "Hello"), ("create-order", "CreateDashorder"), ("process_order", "ProcessUnderscoreorder"),
     ("a-b_c", "ADashbUnderscorec"), ("Already", "Already")],
)
def test_logical_ids_are_normalised_as_the_framework_does(name: str, prefix: str) -> None:
    assert logical_id_prefix(name) == prefix
    resources, _ = build(f"service: s\nprovider: {{name: aws, runtime: python3.13}}\nfunctions: {{{name}: {{handler: a.b}}}}\n")
    assert {f"{prefix}LambdaFunction", f"{prefix}LogGroup", f"{prefix}LambdaVersion"} <= set(resources)
    assert resources[f"{prefix}LambdaFunction"].properties["FunctionName"] == f"s-dev-{name}"


def test_function_name_override_and_log_group_retention() -> None:
    resources, _ = build("service: s\nprovider: {name: aws, runtime: python3.13, logRetentionInDays: 14}\n"
                         "functions: {hello: {handler: a.b, name: custom-name}, quiet: {handler: a.b, disableLogs: true}}\n")
    assert resources["HelloLambdaFunction"].properties["FunctionName"] == "custom-name"
    assert dict(resources["HelloLogGroup"].properties) == {"LogGroupName": "/aws/lambda/custom-name", "RetentionInDays": 14}
    assert "QuietLogGroup" not in resources


def test_container_image_function_has_no_runtime() -> None:
    props = fn("service: s\nprovider: {name: aws, runtime: python3.13}\n"
               "functions: {hello: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1}}\n")
    assert props["PackageType"] == "Image" and "Runtime" not in props and "Handler" not in props
    assert props["Code"] == {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"}
    named = fn("service: s\nprovider: {name: aws}\nfunctions: {hello: {image: {name: appimage}}}\n")
    assert isinstance(named["Code"]["ImageUri"], Unresolved)


def test_no_runtime_anywhere_is_unresolved_not_a_guessed_default() -> None:
    props = fn("service: s\nprovider: {name: aws}\nfunctions: {hello: {handler: a.b}}\n")
    assert isinstance(props["Runtime"], Unresolved) and "depends on its version" in props["Runtime"].reason


@pytest.mark.parametrize(
    ("provider", "function", "versioned"),
    [("", "", True), ("versionFunctions: true", "", True), ("versionFunctions: false", "", False),
     ("versionFunctions: 'false'", "", False), ("versionFunctions: false", "versionFunction: true", True),
     ("", "versionFunction: false", False)],
)
def test_version_functions_true_false_absent_and_function_override(provider: str, function: str, versioned: bool) -> None:
    text = f"service: s\nprovider:\n  name: aws\n  runtime: python3.13\n  {provider}\nfunctions:\n  hello:\n    handler: a.b\n    {function}\n"
    resources, stack = build(text)
    assert ("HelloLambdaVersion" in resources) is versioned
    version = stack.template["Resources"].get("HelloLambdaVersion")
    if versioned:
        assert version["Type"] == "AWS::Lambda::Version" and version["DeletionPolicy"] == "Retain"
        assert version["Properties"]["FunctionName"] == {"Ref": "HelloLambdaFunction"}
    else:
        assert version is None


def test_unresolved_version_functions_gives_an_unresolved_deletion_policy() -> None:
    _, stack = build("service: s\nprovider: {name: aws, runtime: python3.13, versionFunctions: '${env:VERSIONING}'}\n"
                     "functions: {hello: {handler: a.b}}\n")
    assert isinstance(stack.template["Resources"]["HelloLambdaVersion"]["DeletionPolicy"], Unresolved)


def test_provisioned_concurrency_adds_the_frameworks_alias() -> None:
    _, stack = build("service: s\nprovider: {name: aws, runtime: python3.13}\n"
                     "functions: {hello: {handler: a.b, provisionedConcurrency: 3}}\n")
    alias = stack.template["Resources"]["HelloProvConcLambdaAlias"]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": ["HelloLambdaVersion", "Version"]}
    assert alias["Properties"]["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 3}


def test_events_become_the_frameworks_resources() -> None:
    resources, stack = build("""service: s
provider: {name: aws, runtime: python3.13}
functions:
  hello:
    handler: a.b
    events:
      - http: GET users/{id}
      - httpApi: POST /orders
      - sqs: {arn: !GetAtt Jobs.Arn, batchSize: 5, maximumConcurrency: 4}
resources:
  Resources:
    Jobs: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 60}}
""")
    res = stack.template["Resources"]
    assert res["ApiGatewayMethodUsersIdVarGet"]["Type"] == "AWS::ApiGateway::Method"
    assert res["HttpApiIntegrationHello"]["Properties"]["IntegrationUri"] == {"Fn::GetAtt": ["HelloLambdaFunction", "Arn"]}
    esm = res["HelloEventSourceMappingSQSJobs"]["Properties"]
    assert esm["EventSourceArn"] == {"Fn::GetAtt": ["Jobs", "Arn"]} and esm["BatchSize"] == 5
    assert esm["ScalingConfig"] == {"MaximumConcurrency": 4}
    # custom resources are deployed as written
    assert resources["Jobs"].properties == {"VisibilityTimeout": 60}


def test_stream_events_become_mappings_with_their_failure_destination() -> None:
    _, stack = build("""service: s
provider: {name: aws, runtime: python3.13}
functions:
  hello:
    handler: a.b
    events:
      - stream: arn:aws:kinesis:us-east-1:123456789012:stream/clicks
      - stream:
          type: dynamodb
          arn: arn:aws:dynamodb:us-east-1:123456789012:table/orders-table/stream/2026-01-01T00:00:00.000
          startingPosition: LATEST
          maximumRetryAttempts: 3
          destinations: {onFailure: {arn: arn:aws:sqs:us-east-1:123456789012:dlq, type: sqs}}
""")
    res = stack.template["Resources"]
    kinesis = res["HelloEventSourceMappingKinesisClicks"]["Properties"]
    assert kinesis["StartingPosition"] == "TRIM_HORIZON" and "DestinationConfig" not in kinesis
    ddb = res["HelloEventSourceMappingDynamodbOrderstable"]["Properties"]
    assert ddb["StartingPosition"] == "LATEST" and ddb["MaximumRetryAttempts"] == 3
    assert ddb["DestinationConfig"] == {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:dlq"}}


def test_function_urls_are_public_unless_iam() -> None:
    _, stack = build("service: s\nprovider: {name: aws, runtime: python3.13}\n"
                     "functions: {pub: {handler: a.b, url: true}, iam: {handler: a.b, url: {authorizer: aws_iam}},"
                     " none: {handler: a.b}}\n")
    res = stack.template["Resources"]
    assert res["PubLambdaFunctionUrl"]["Properties"]["AuthType"] == "NONE"
    assert res["PubLambdaPermissionFnUrl"]["Properties"]["Principal"] == "*"
    assert res["IamLambdaFunctionUrl"]["Properties"]["AuthType"] == "AWS_IAM"
    assert "IamLambdaPermissionFnUrl" not in res and "NoneLambdaFunctionUrl" not in res


def test_shared_execution_role_carries_the_iam_statements() -> None:
    _, stack = build("""service: s
provider:
  name: aws
  runtime: python3.13
  iam: {role: {statements: [{Effect: Allow, Action: '*', Resource: '*'}]}}
functions: {a: {handler: a.b}, b: {handler: c.d, role: OwnRole}}
""")
    res = stack.template["Resources"]
    statements = res["IamRoleLambdaExecution"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[1] == {"Effect": "Allow", "Action": "*", "Resource": "*"}
    assert res["ALambdaFunction"]["Properties"]["Role"] == {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]}
    assert res["BLambdaFunction"]["Properties"]["Role"] == {"Fn::GetAtt": ["OwnRole", "Arn"]}
    # AND a provider role given as an intrinsic is every function's role: nothing is generated
    _, stack = build("service: s\nprovider: {name: aws, runtime: python3.13, iam: {role: !GetAtt Shared.Arn}}\n"
                     "functions: {a: {handler: a.b}}\n")
    assert stack.template["Resources"]["ALambdaFunction"]["Properties"]["Role"] == {"Fn::GetAtt": ["Shared", "Arn"]}
    assert "IamRoleLambdaExecution" not in stack.template["Resources"]


OVERRIDE = """service: s
provider: {name: aws, runtime: python3.13}
functions:
  hello:
    handler: a.b
resources:
  Resources:
    HelloLambdaFunction:
      Properties:
        MemorySize: 256
  extensions:
    HelloLogGroup:
      Properties:
        RetentionInDays: 7
"""


def test_resources_with_a_generated_id_and_extensions_are_merged_at_their_own_lines(tmp_path: Path) -> None:
    # GIVEN overrides of generated resources (resources.Resources with the same id, and extensions)
    path = write(tmp_path, OVERRIDE)
    locator = Locator()
    result = load_serverless(str(path), locator=locator)
    by_id = {t.logical_id: t for t in result.targets if isinstance(t, ResourceTarget)}
    # THEN they are merged into what the Framework generates, key by key
    fn_props = by_id["HelloLambdaFunction"].properties
    assert fn_props["MemorySize"] == 256 and fn_props["Runtime"] == "python3.13" and fn_props["Handler"] == "a.b"
    assert by_id["HelloLogGroup"].properties == {"LogGroupName": "/aws/lambda/s-dev-hello", "RetentionInDays": 7}
    # AND a finding on an overridden property points at the override
    loc = locator.locate(str(path), "/Resources/HelloLambdaFunction/Properties/MemorySize")
    assert loc is not None and loc.line == line_of(OVERRIDE, "MemorySize: 256")
    loc = locator.locate(str(path), "/Resources/HelloLogGroup/Properties/RetentionInDays")
    assert loc is not None and loc.line == line_of(OVERRIDE, "RetentionInDays: 7")


def test_an_extension_of_a_resource_the_framework_does_not_generate_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, OVERRIDE.replace("HelloLogGroup:", "NopeLogGroup:"))
    with pytest.raises(TemplateError) as info:
        load_serverless(str(path))
    assert info.value.line == line_of(OVERRIDE, "HelloLogGroup:") and "generates no resource NopeLogGroup" in info.value.message


# -- variables ---------------------------------------------------------------------------------


VARS = """service: orders
custom:
  memory: {dev: 256, prod: 2048}
  name: ${self:service}-api
  loop: ${self:custom.loop2}
  loop2: ${self:custom.loop}
params:
  default: {timeout: 10}
  prod: {timeout: 30}
provider:
  name: aws
  runtime: python3.13
  stage: ${opt:stage, 'dev'}
  region: ${opt:region, 'eu-west-1'}
functions:
  hello:
    handler: a.b
    memorySize: ${self:custom.memory.${sls:stage}}
    timeout: ${param:timeout}
    environment:
      NAME: ${self:custom.name}
      REGION: ${aws:region}
      STAGE_TEXT: stage-${sls:stage}-x
      SECRET: ${ssm:/orders/secret}
      FROM_ENV: ${env:HOME, 'fallback'}
      FILE: ${file(./config.yml):key}
      ACCOUNT: ${aws:accountId}
      EMBEDDED: prefix-${env:USER}
      MISSING: ${self:custom.nope}
      MISSING_WITH_DEFAULT: ${self:custom.nope, 42}
      CYCLE: ${self:custom.loop}
      CFN_SUB: arn:${AWS::Partition}:s3:::${Bucket}
      UNKNOWN_OPT: ${opt:color}
"""


def test_self_opt_param_sls_and_aws_region_resolve_with_their_defaults() -> None:
    resources, stack = build(VARS)
    props = resources["HelloLambdaFunction"].properties
    env = props["Environment"]["Variables"]
    assert props["MemorySize"] == 256 and props["Timeout"] == 10
    assert env["NAME"] == "orders-api" and env["REGION"] == "eu-west-1" and env["STAGE_TEXT"] == "stage-dev-x"
    assert env["MISSING_WITH_DEFAULT"] == 42
    assert env["CFN_SUB"] == "arn:${AWS::Partition}:s3:::${Bucket}"  # CloudFormation's, left alone
    assert props["FunctionName"] == "orders-dev-hello" and stack.stack_name == "orders-dev"
    assert stack.region == "eu-west-1"


def test_stage_and_params_from_the_command_line_win() -> None:
    resources, stack = build(VARS, stage="prod", timeout="45")
    props = resources["HelloLambdaFunction"].properties
    assert props["MemorySize"] == 2048 and props["Timeout"] == "45"  # command-line values are text, as in the Framework
    assert stack.framework is not None and stack.framework.stage == "prod" and stack.stack_name == "orders-prod"
    # params.<stage> comes before params.default
    assert build(VARS, stage="prod")[0]["HelloLambdaFunction"].properties["Timeout"] == 30


@pytest.mark.parametrize(
    ("key", "reason"),
    [("SECRET", "${ssm:...} is resolved by the Framework at deploy time"),
     ("FROM_ENV", "${env:...} is resolved by the Framework at deploy time"),
     ("FILE", "file(...) is resolved by the Framework at deploy time"),
     ("ACCOUNT", "${aws:...} is resolved"),
     ("EMBEDDED", "${env:...}"),
     ("MISSING", "the key is not set in this file"),
     ("CYCLE", "refers to itself"),
     ("UNKNOWN_OPT", "pass --param color=")],
)
def test_deploy_time_and_missing_variables_are_unresolved_never_guessed(key: str, reason: str) -> None:
    env = build(VARS)[0]["HelloLambdaFunction"].properties["Environment"]["Variables"]
    value = env[key]
    assert isinstance(value, Unresolved), (key, value)
    assert reason in value.reason, value.reason
    assert value.expr.startswith(("${", "prefix-${"))


def test_functions_from_a_file_variable_are_noted_not_guessed() -> None:
    text = ("service: s\nprovider: {name: aws, runtime: python3.13}\n"
            "functions:\n  a: ${file(./a.yml)}\n  b: {handler: x.y}\n")
    targets, notes, _ = targets_from_serverless(load_template_text(text))
    assert {t.logical_id for t in targets if isinstance(t, ResourceTarget)} >= {"BLambdaFunction"}
    assert not [t for t in targets if isinstance(t, ResourceTarget) and t.logical_id.startswith("ALambda")]
    assert notes == ["function a is '${file(./a.yml)}' (file(...) is resolved by the Framework at deploy time): not checked"]
    _, notes, _ = targets_from_serverless(load_template_text("service: s\nfunctions: ${file(./fns.yml)}\n"))
    assert len(notes) == 1 and notes[0].startswith("functions is '${file(./fns.yml)}'")


def test_another_clouds_service_is_noted_not_an_error() -> None:
    targets, notes, _ = targets_from_serverless(load_template_text(
        "service: s\nprovider: {name: azure, runtime: nodejs12}\nfunctions: {a: {handler: a.b}}\n"))
    assert [type(t) for t in targets] == [StackTarget]
    assert notes == ["provider.name is 'azure', not aws: nothing here deploys to AWS Lambda, not checked"]


def test_an_unresolved_stage_makes_names_unresolved() -> None:
    resources, stack = build("service: s\nprovider: {name: aws, runtime: python3.13, stage: '${env:STAGE}'}\n"
                             "functions: {hello: {handler: a.b}}\n")
    assert isinstance(resources["HelloLambdaFunction"].properties["FunctionName"], Unresolved)
    assert stack.framework is not None and isinstance(stack.framework.stage, Unresolved)


def test_stack_target_carries_the_framework_config_for_the_stack_rules() -> None:
    _, stack = build(BASE + "  hello: {handler: a.b}\n")
    meta = stack.framework
    assert meta is not None
    assert meta.service == "orders" and meta.stage == "dev" and meta.region == "us-east-1"
    assert meta.config["functions"] == {"hello": {"handler": "a.b"}}
    # AND the template is the Framework's, with nothing of govhook's in it
    assert "Metadata" not in stack.template


# -- lines -------------------------------------------------------------------------------------


SAMPLE = """service: orders
provider:
  name: aws
  runtime: nodejs18.x
  versionFunctions: true
  environment:
    SHARED: x
functions:
  hello:
    handler: a.b
    timeout: 900
    environment:
      OWN: y
  other:
    handler: c.d
    runtime: python3.13
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln]
    return hits[nth - 1]


def test_findings_point_at_the_serverless_yml_key(tmp_path: Path) -> None:
    # GIVEN a serverless.yml loaded with a Locator
    path = write(tmp_path, SAMPLE)
    locator = Locator()
    load_serverless(str(path), locator=locator)
    f = str(path)

    def at(pointer: str) -> tuple[int | None, int | None]:
        loc = locator.locate(f, pointer)
        assert loc is not None
        return loc.line, loc.column

    # THEN a property that came from the provider points at the provider's line
    assert at("/Resources/HelloLambdaFunction/Properties/Runtime") == (line_of(SAMPLE, "runtime: nodejs18.x"), 3)
    # AND one set on the function at the function's
    assert at("/Resources/OtherLambdaFunction/Properties/Runtime") == (line_of(SAMPLE, "runtime: python3.13"), 5)
    assert at("/Resources/HelloLambdaFunction/Properties/Timeout")[0] == line_of(SAMPLE, "timeout: 900")
    # AND merged environment variables each at their own line
    assert at("/Resources/HelloLambdaFunction/Properties/Environment/Variables/SHARED")[0] == line_of(SAMPLE, "SHARED")
    assert at("/Resources/HelloLambdaFunction/Properties/Environment/Variables/OWN")[0] == line_of(SAMPLE, "OWN")
    # AND a property nobody set (the Framework's default) at the function
    assert at("/Resources/HelloLambdaFunction/Properties/MemorySize") == (line_of(SAMPLE, "hello:"), 3)
    # AND the retained version at provider.versionFunctions
    assert at("/Resources/HelloLambdaVersion/DeletionPolicy")[0] == line_of(SAMPLE, "versionFunctions")
    # AND pointers into serverless.yml itself (the stack rule's paths) work unchanged
    assert at("/provider/versionFunctions")[0] == line_of(SAMPLE, "versionFunctions")
    assert at("/functions/other/runtime")[0] == line_of(SAMPLE, "runtime: python3.13")


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [("service: s\nprovider: {name: aws\n", 3, "not valid YAML"),
     ("- a\n- b\n", 1, "must be a mapping with service, provider and functions"),
     ("provider: {name: aws}\n", 1, "has no 'service'"),
     ("service: s\nprovider: {name: aws}\nfunctions: [a]\n", 3, "functions must be a mapping"),
     ("service: s\nprovider: {name: aws}\nfunctions:\n  a:\n    runtime: python3.13\n", 4, "neither handler nor image"),
     ("service: s\nprovider: {name: aws}\nfunctions:\n  a: x\n", 4, "function a must be a mapping"),
     ("service: s\nprovider: {name: aws}\nresources:\n  Resources:\n    Q: {Properties: {}}\n", 5, "resource Q has no Type")],
)
def test_broken_serverless_yml_names_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TemplateError) as info:
        load_serverless(str(path))
    assert info.value.file == str(path) and info.value.line == line
    assert message in info.value.message


def test_the_sample_service_loads(tmp_path: Path) -> None:
    result = load_serverless(str(ROOT / "sample" / "serverless" / "serverless.yml"))
    ids = {t.logical_id for t in result.targets if isinstance(t, ResourceTarget)}
    assert {"CreateDashorderLambdaFunction", "ProcessUnderscoreorderLambdaFunction", "LegacyReportLambdaFunction",
            "OrdersQueue", "IamRoleLambdaExecution"} <= ids
