"""Odd but real inputs: a correct verdict, or exit 2 with one line naming the file; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from hook.cli import main

ROOT = Path(__file__).resolve().parents[2]
STRICT = str(ROOT / "policies" / "strict.policy.yaml")


def check(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["check", "--policy", STRICT, "--format", "json", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_non_string_yaml_key_in_properties_is_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a YAML template whose properties have a single key YAML reads as an integer
    path = tmp_path / "intkey.yaml"
    path.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      1: x\n", encoding="utf-8"
    )
    # WHEN it is checked
    code, out, _ = check(capsys, path)
    # THEN a verdict comes out (the key is simply not a property any rule reads)
    assert code in (0, 1) and '"schema_version": 1' in out


SAM_IMAGE_BEFORE_BUILD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ImgFn:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      Architectures: [arm64]
    Metadata:
      DockerTag: python3.13-v1
      DockerContext: ./img
      Dockerfile: Dockerfile
"""


def test_a_sam_image_function_before_sam_build_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the template `sam init` writes for a container-image function: ImageUri is filled by `sam build`
    path = tmp_path / "template.yaml"
    path.write_text(SAM_IMAGE_BEFORE_BUILD, encoding="utf-8")
    # WHEN it is checked before building, as a developer does
    code, out, err = check(capsys, path)
    # THEN the function is evaluated (SAM expanded), not rejected as "'ImageUri' must be set"
    assert code in (0, 1), err
    assert any('"logical_id": "ImgFn"' in line for line in out.splitlines())


FN = (
    "  Fn:\n    Type: AWS::Lambda::Function\n    Condition: IsProd\n"
    "    Properties: {Runtime: python3.13, Handler: a.b, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}\n"
)
SAM_FN = (
    "  Fn:\n    Type: AWS::Serverless::Function\n    Condition: IsProd\n"
    "    Properties: {Runtime: python3.13, Handler: a.b, CodeUri: src/}\n"
)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Conditions: [IsProd]\nResources:\n" + FN, id="conditions-a-list"),
        pytest.param("Conditions: IsProd\nResources:\n" + FN, id="conditions-a-string"),
        pytest.param("Transform: AWS::Serverless-2016-10-31\nConditions: true\nResources:\n" + SAM_FN, id="sam-conditions-a-bool"),
        pytest.param("Transform: AWS::Serverless-2016-10-31\nParameters: [Stage]\nResources:\n" + SAM_FN, id="sam-parameters-a-list"),
    ],
)
def test_a_malformed_top_level_section_is_not_a_traceback(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a template whose Conditions or Parameters section is not a mapping (CloudFormation rejects it)
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    # WHEN it is checked
    code, out, err = check(capsys, path)
    # THEN a verdict (the section names nothing) or one line naming the file: never a traceback
    assert code in (0, 1, 2)
    if code == 2:
        assert err.count("\n") == 1 and str(path) in err
    else:
        assert '"schema_version": 1' in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n  F:\n    Properties: {}\n',
         ":5:3: resource F has no Type"),
        ('AWSTemplateFormatVersion: "2010-09-09"\nDescription: x\nResources:\n', ":3:1: the template has no Resources"),
        ('{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {\n  "F": {"Properties": {}}}}',
         ":3:3: resource F has no Type"),
    ],
)
def test_a_structural_template_error_names_its_line(text: str, expected: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a template with a resource without Type, or Resources left empty
    path = tmp_path / ("t.json" if text.startswith("{") else "t.yaml")
    path.write_text(text, encoding="utf-8")
    # WHEN it is checked
    code, _, err = check(capsys, path)
    # THEN exit 2 with one line: file:line:column and the reason
    assert code == 2 and err == f"govhook: error: {path}{expected}\n"


SAM_SQS = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 180}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn, BatchSize: 500}}
"""


def test_an_sqs_source_in_the_same_template_is_judged_like_the_hook_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the most common SAM SQS wiring: the queue in the stack, its ARN through !GetAtt
    path = tmp_path / "template.yaml"
    path.write_text(SAM_SQS, encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nrules:\n  lambda.sqs-maximum-concurrency-set: {}\n"
                      "  lambda.esm-batch-size-within-bounds: {params: {by_source: {sqs: {max: 100}}}}\n", encoding="utf-8")
    # WHEN it is checked (the hook would see the resolved arn:aws:sqs:... ARN)
    code = main(["check", "--policy", str(policy), "--format", "json", str(path)])
    import json

    all_findings = json.loads(capsys.readouterr().out)["findings"]
    findings = {f["rule_id"]: f for f in all_findings}
    # THEN the mapping is known to be an SQS source, as at deploy time: not SKIPped as unknown
    assert code == 1
    assert findings["lambda.sqs-maximum-concurrency-set"]["outcome"] == "FAIL"
    assert findings["lambda.esm-batch-size-within-bounds"]["outcome"] == "FAIL"
    messages = [f["message"] for f in all_findings if f["rule_id"] == "lambda.esm-batch-size-within-bounds"]
    assert "BatchSize is 500 for the sqs source; the maximum is 100" in messages


# -- property-based: any plausible template gives a verdict or an input error, never a rule ERROR --

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hook.cli.adapters.template import targets_from_template  # noqa: E402
from hook.core.engine import Engine  # noqa: E402
from hook.core.errors import TemplateError  # noqa: E402
from hook.core.model import Outcome  # noqa: E402
from hook.core.policy import load_policy  # noqa: E402
from hook.core.registry import default_registry  # noqa: E402

_REGISTRY = default_registry()
_POLICY = load_policy(STRICT, _REGISTRY)
_IDS = ["Fn", "Q", "Role", "Logs", "Ver", "Topic"]
_TYPES = [
    "AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Permission", "AWS::Lambda::Url", "AWS::Lambda::EventInvokeConfig", "AWS::Lambda::LayerVersion",
    "AWS::SQS::Queue", "AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::ApiGateway::Method",
]
_KEYS = ["Runtime", "MemorySize", "Timeout", "Environment", "Variables", "Tags", "Key", "Value", "Architectures",
         "VpcConfig", "SubnetIds", "TracingConfig", "Mode", "LoggingConfig", "LogGroup", "LogFormat", "Layers",
         "DestinationConfig", "OnFailure", "Destination", "EventSourceArn", "FunctionName", "BatchSize",
         "ScalingConfig", "MaximumConcurrency", "Principal", "Action", "AuthType", "Cors", "AllowOrigins",
         "Policies", "PolicyDocument", "Statement", "Resource", "Role", "RetentionInDays", "LogGroupName",
         "Integration", "Uri", "RoutingConfig", "FunctionVersion", "ReservedConcurrentExecutions",
         "CompatibleRuntimes", "PackageType", "KmsKeyArn", "EphemeralStorage", "Size", "VisibilityTimeout"]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 20000), st.sampled_from(
    ["", "128", "true", "python3.13", "nodejs18.x", "arm64", "*", "Active", "JSON", "Retain", "Image",
     "arn:aws:sqs:us-east-1:123456789012:q", "lambda:InvokeFunction", "s3.amazonaws.com", "NONE", "AWS_IAM"]))
_intrinsics = st.one_of(
    st.builds(lambda i: {"Ref": i}, st.sampled_from([*_IDS, "AWS::NoValue", "AWS::Region", "P"])),
    st.builds(lambda i, a: {"Fn::GetAtt": [i, a]}, st.sampled_from(_IDS), st.sampled_from(["Arn", "Version"])),
    st.builds(lambda s: {"Fn::Sub": s}, st.sampled_from(["/aws/lambda/${Fn}", "${AWS::StackName}-x", "${P}"])),
)


def _values(depth: int = 2) -> st.SearchStrategy[object]:
    if depth == 0:
        return st.one_of(_scalars, _intrinsics)
    inner = _values(depth - 1)
    return st.one_of(
        _scalars, _intrinsics,
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3),
        st.builds(lambda a, b: {"Fn::If": ["C", a, b]}, inner, inner),
    )


_TOP_KEYS = {
    "AWS::Lambda::Function": ["Runtime", "MemorySize", "Timeout", "Environment", "Tags", "Architectures", "VpcConfig",
                              "TracingConfig", "LoggingConfig", "Layers", "FunctionName", "Role", "PackageType",
                              "KmsKeyArn", "EphemeralStorage", "ReservedConcurrentExecutions"],
    "AWS::Lambda::Version": ["FunctionName"],
    "AWS::Lambda::Alias": ["FunctionName", "FunctionVersion", "RoutingConfig"],
    "AWS::Lambda::EventSourceMapping": ["EventSourceArn", "FunctionName", "BatchSize", "ScalingConfig", "DestinationConfig"],
    "AWS::Lambda::Permission": ["FunctionName", "Principal", "Action"],
    "AWS::Lambda::Url": ["AuthType", "Cors"],
    "AWS::Lambda::EventInvokeConfig": ["FunctionName", "DestinationConfig"],
    "AWS::Lambda::LayerVersion": ["CompatibleRuntimes"],
    "AWS::SQS::Queue": ["VisibilityTimeout"],
    "AWS::IAM::Role": ["Policies"],
    "AWS::Logs::LogGroup": ["RetentionInDays", "LogGroupName"],
    "AWS::ApiGateway::Method": ["Integration"],
}


def _resource(rtype: str) -> st.SearchStrategy[dict[str, object]]:
    keys = st.sampled_from(_TOP_KEYS[rtype])
    return st.builds(lambda p: {"Type": rtype, "Properties": p}, st.dictionaries(keys, _values(), max_size=6))


_resources = st.dictionaries(
    st.sampled_from(_IDS), st.sampled_from(_TYPES).flatmap(_resource), min_size=1, max_size=4,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_resources)
def test_no_rule_raises_on_a_plausible_template(resources: dict[str, object]) -> None:
    # GIVEN any template built from Lambda-shaped resources, odd values and intrinsics
    template = {"Parameters": {"P": {"Type": "String"}},
                "Conditions": {"C": {"Fn::Equals": [{"Ref": "P"}, "x"]}}, "Resources": resources}
    # WHEN the CLI's targets are built and every strict rule runs on them
    try:
        targets, _ = targets_from_template(template, stack_name="app")
    except TemplateError:
        return  # an input error (exit 2 with a reason) is a fine answer
    verdict = Engine(_REGISTRY, _POLICY).evaluate(targets)
    # THEN no rule raised: an ERROR finding blocks the deploy under on_error: fail
    errors = [(f.rule_id, f.logical_id, f.message) for f in verdict.findings if f.outcome is Outcome.ERROR]
    assert errors == []


PROPERTIES_IF = """\
Parameters:
  Stage: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: !If
      - IsProd
      - {Runtime: python3.13, Handler: a.b, Role: r, Code: {ZipFile: x}, TracingConfig: {Mode: Active}}
      - {Runtime: python3.13, Handler: a.b, Role: r, Code: {ZipFile: x}, TracingConfig: {Mode: Active}, MemorySize: 256}
"""


def test_whole_properties_under_an_unknown_fn_if_are_not_read_as_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a function whose whole Properties is an Fn::If on a parameter with no default
    path = tmp_path / "t.yaml"
    path.write_text(PROPERTIES_IF, encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nrules:\n  lambda.tracing-active: {}\n  lambda.memory-within-bounds: {params: {max: 128}}\n",
                      encoding="utf-8")
    # WHEN it is checked without --param
    code = main(["check", "--policy", str(policy), "--format", "json", str(path)])
    import json

    outcomes = {f["rule_id"]: f["outcome"] for f in json.loads(capsys.readouterr().out)["findings"]}
    # THEN the rules SKIP: both branches set tracing Active, so 'PassThrough (the default)' was a false FAIL
    assert code == 0 and outcomes == {"lambda.tracing-active": "SKIP", "lambda.memory-within-bounds": "SKIP"}
    # and with the condition known, the chosen branch is judged
    code = main(["check", "--policy", str(policy), "--format", "json", "--param", "Stage=dev", str(path)])
    outcomes = {f["rule_id"]: f["outcome"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert code == 1 and outcomes == {"lambda.tracing-active": "PASS", "lambda.memory-within-bounds": "FAIL"}


def test_a_template_nested_too_deeply_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a JSON template nested deeper than Python's parser recursion allows
    path = tmp_path / "deep.json"
    path.write_text('{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": '
                    + "[" * 100_000 + "]" * 100_000 + "}}}}", encoding="utf-8")
    # WHEN it is checked
    code, _, err = check(capsys, path)
    # THEN exit 2 with one line naming the file, not a RecursionError traceback
    assert code == 2 and err == f"govhook: error: {path}: the template is nested too deeply to read\n"


def test_an_unexpected_adapter_failure_names_the_file_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a template that trips a bug in the template adapter (simulated)
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n", encoding="utf-8")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise AttributeError("'int' object has no attribute 'startswith'")

    monkeypatch.setattr("hook.cli.adapters.template.load_targets", broken)
    monkeypatch.delenv("GOVHOOK_DEBUG", raising=False)
    # WHEN it is checked
    code, _, err = check(capsys, path)
    # THEN exit 2 with one line that names the file and asks for a report, not a traceback
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"govhook: error: {path}: govhook could not read this template (AttributeError: ")
