"""Helpers shared by the test tiers: the repository root, the venv's tools, the CLI in-process,
the shell scripts and the AWS CLI (for the integration tier's checks of what the scripts made)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from hook.sdk import Unresolved

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_POLICY = ROOT / "policies" / "default.policy.yaml"


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``govhook ARGS`` in-process: (exit code, stdout, stderr)."""
    from hook.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_script(script: str, *args: str, env: Mapping[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """``bash ROOT/SCRIPT ARGS`` from the repository root, as a user runs deploy.sh and the samples."""
    return subprocess.run(["bash", str(ROOT / script), *args], cwd=ROOT, env=dict(env), capture_output=True, text=True,
                          timeout=timeout, check=False)


def script_env(endpoint: str | None = None, **extra: str) -> dict[str, str]:
    """The environment the scripts run in: this venv's tools first on PATH, fake credentials, one region,
    and moto's endpoint when given."""
    env = dict(os.environ)
    env.update(PATH=f"{BIN}:{env['PATH']}", PYTHON=sys.executable, AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    # A build directory of the test's own (not there yet), so deploy.sh runs in parallel test workers
    # never share build/; a test of the default passes GOVHOOK_BUILD_DIR="" (unset below).
    env["GOVHOOK_BUILD_DIR"] = str(Path(tempfile.mkdtemp(prefix="govhook-test-")) / "build")
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_DATA_PATH", None)  # set in this process by importing awscli (aws_text); a user's shell has none
    env.update(extra)
    if not env["GOVHOOK_BUILD_DIR"]:
        del env["GOVHOOK_BUILD_DIR"]
    return env


@contextlib.contextmanager
def _environ(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def aws_text(env: Mapping[str, str], *args: str) -> str:
    """``aws ARGS`` with the environment ``env``: the real AWS CLI (awscli's driver) run in this process,
    which spares the one to three seconds each ``aws`` process spends starting on this machine. Raises
    CalledProcessError on a non-zero exit, like ``subprocess.run(..., check=True)``."""
    from awscli.clidriver import create_clidriver

    # importing awscli sets AWS_DATA_PATH (where its command data is) in this process's environment
    env = {**env, "AWS_DATA_PATH": os.environ["AWS_DATA_PATH"]}
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    err = io.StringIO()
    with _environ(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = create_clidriver().main(list(args))
    out.flush()
    text = raw.getvalue().decode("utf-8")
    if rc != 0:
        raise subprocess.CalledProcessError(rc, ["aws", *args], text, err.getvalue())
    return text


def aws(env: Mapping[str, str], *args: str) -> Any:
    """``aws ARGS --output json``, parsed (None when the command prints nothing)."""
    text = aws_text(env, *args, "--output", "json")
    return json.loads(text) if text.strip() else None


class Clock:
    """A clock for TTL caches that moves only when a test says so (``clock.now += 412``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def stringified(value: Any, unresolved: Callable[[Any], Any] = lambda _value: "resolved-at-deploy") -> Any:
    """A value as CloudFormation sends it to a resource hook or in a change set's contexts: every
    scalar a string; an unresolved value becomes what ``unresolved`` makes of it."""
    from hook.sdk import Unresolved

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Unresolved):
        return unresolved(value)
    if isinstance(value, list):
        return [stringified(v, unresolved) for v in value]
    if isinstance(value, dict):
        return {k: stringified(v, unresolved) for k, v in value.items()}
    return value


#: What ``Ref`` returns for a resource of these types (else its physical name).
_REF_IS_ARN = ("AWS::SNS::Topic", "AWS::SecretsManager::Secret", "AWS::Lambda::LayerVersion",
               "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::IAM::ManagedPolicy", "AWS::StepFunctions::StateMachine",
               "AWS::Lambda::CodeSigningConfig")
_SERVICE = {"Lambda": "lambda", "SQS": "sqs", "SNS": "sns", "IAM": "iam", "DynamoDB": "dynamodb", "S3": "s3",
            "Kinesis": "kinesis", "SecretsManager": "secretsmanager", "SSM": "ssm", "KMS": "kms", "Events": "events",
            "Logs": "logs", "StepFunctions": "states"}


def _arn(rtype: str | None, logical_id: str) -> str:
    service = _SERVICE.get((rtype or "AWS::X::Y").split("::")[1], "service")
    if service == "iam":
        return f"arn:aws:iam::123456789012:role/stack-{logical_id}-1A2B3C4D"
    if rtype == "AWS::Lambda::LayerVersion":
        return f"arn:aws:lambda:us-east-1:123456789012:layer:stack-{logical_id}-1A2B3C4D:1"
    if service == "lambda":
        return f"arn:aws:lambda:us-east-1:123456789012:function:stack-{logical_id}-1A2B3C4D"
    if service == "s3":
        return f"arn:aws:s3:::stack-{logical_id.lower()}-1a2b3c4d"
    return f"arn:aws:{service}:us-east-1:123456789012:stack-{logical_id}-1A2B3C4D"


def deployed(value: Unresolved) -> Any:
    """A realistic stand-in for what CloudFormation resolves an intrinsic to before the hook runs:
    ``!GetAtt Role.Arn`` is an IAM role ARN, ``!Ref Topic`` an SNS topic ARN, ``!Ref Queue`` a URL;
    a ``Fn::Sub`` or ``Fn::Join`` keeps its literal text around the stand-ins of its unknown parts
    (``arn:aws:secretsmanager:...:secret:${Name}`` stays an ARN); an ``Fn::If`` on an unknown
    condition is its first branch; a parameter the CLI cannot know (``value.parameters``) is
    ``resolved-at-deploy``."""
    expr = value.expr
    if isinstance(expr, dict) and ("Fn::Sub" in expr or "Fn::Join" in expr):
        text = _deployed_text(expr, set(value.parameters))
        if text is not None:
            return text
    if isinstance(expr, dict) and isinstance(expr.get("Fn::If"), list) and len(expr["Fn::If"]) == 3:
        # the condition is not known: the stack is deployed with it true (its first branch), unless
        # that branch removes the property; a branch that is not one value keeps the plain stand-in
        first, second = expr["Fn::If"][1:]
        branch = second if first == {"Ref": "AWS::NoValue"} else first
        if isinstance(branch, str) or (isinstance(branch, dict) and len(branch) == 1
                                       and next(iter(branch)) in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join")):
            return _deployed_text({"Fn::Join": ["", [branch]]}, set(value.parameters))
    if isinstance(expr, dict) and "Fn::GetAtt" in expr:
        arg = expr["Fn::GetAtt"]
        target, attr = (arg[0], str(arg[1])) if isinstance(arg, list) and len(arg) == 2 else (str(arg), "Arn")
        if attr.endswith("Arn"):
            return _arn(value.resource_type, str(target))
        if attr.endswith("Url"):
            return f"https://sqs.us-east-1.amazonaws.com/123456789012/stack-{target}-1A2B3C4D"
        return f"stack-{target}-1A2B3C4D"
    if isinstance(expr, dict) and "Fn::ImportValue" in expr:
        # another stack's export: named for what it holds (an export named ...Arn is an ARN)
        name = expr["Fn::ImportValue"]
        if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
            name = name["Fn::Sub"].replace("${", "").replace("}", "")
        if isinstance(name, str) and name.lower().endswith("arn"):
            return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf"
    if isinstance(expr, dict) and "Ref" in expr and value.resource_type:
        if value.resource_type in _REF_IS_ARN:
            return _arn(value.resource_type, str(expr["Ref"]))
        if value.resource_type == "AWS::SQS::Queue":
            return f"https://sqs.us-east-1.amazonaws.com/123456789012/stack-{expr['Ref']}-1A2B3C4D"
        return f"stack-{expr['Ref']}-1A2B3C4D"
    return "resolved-at-deploy"


_PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
           "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "stack"}


def _deployed_text(expr: Any, parameters: set[str]) -> str | None:
    """A ``Fn::Sub``/``Fn::Join`` (raw) as CloudFormation would resolve it, unknown parts stood in for."""

    def part(item: Any) -> str:
        if isinstance(item, str):
            return item
        if isinstance(item, dict) and len(item) == 1:
            key, arg = next(iter(item.items()))
            if key == "Ref" and isinstance(arg, str):
                return name(arg)
            if key == "Fn::GetAtt":
                return name(".".join(map(str, arg)) if isinstance(arg, list) else str(arg))
            nested = _deployed_text(item, parameters)
            if nested is not None:
                return nested
        return "resolved-at-deploy"

    def name(ref: str) -> str:
        if ref in _PSEUDO:
            return _PSEUDO[ref]
        if ref in parameters:
            return "resolved-at-deploy"
        target, _, attr = ref.partition(".")
        if attr.endswith("Arn"):
            return _arn(None, target)
        return f"stack-{target}-1A2B3C4D"

    if "Fn::Sub" in expr:
        arg = expr["Fn::Sub"]
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 \
            and isinstance(arg[0], str) and isinstance(arg[1], dict) else (None, {})
        if text is None:
            return None
        return re.sub(r"\$\{([^}]+)\}", lambda m: "${" + m.group(1)[1:] + "}" if m.group(1).startswith("!")
                      else part(local[m.group(1)]) if m.group(1) in local else name(m.group(1)), text)
    arg = expr.get("Fn::Join")
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], list):
        return arg[0].join(part(item) for item in arg[1])
    return None


class LambdaContext:
    """The Lambda context the handler reads: 30 s left, as CloudFormation's own wait."""

    def get_remaining_time_in_millis(self) -> int:
        return 30000
