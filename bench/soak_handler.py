"""Soak the Lambda handler: many varied invocations in one process, as a warm container sees them.

    python bench/soak_handler.py [--invocations 50000] [--window 5000]

Runs the soak twice, each in a fresh child process: with ``POWERTOOLS_METRICS_NAMESPACE`` set and
without it (the README allows both). Every invocation goes through ``hook.handler.handle`` with
the decision log and metrics on (written to /dev/null), the real SSM and account-fact caches
(``SSMValues``/``AwsAccount`` over in-process clients that answer as botocore does), and a mix of
RESOURCE (distinct function names: one account-fact key each), CLOUD_CONTROL, STACK and CHANGE_SET
payloads (YAML with long distinct scalars), DELETEs and malformed events. Per window it prints the
RSS, the p50/p99 latency of the window and the size of every cache the Lambda path keeps.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1a2b3c"
RUNTIMES = ["nodejs22.x", "nodejs18.x", "python3.13", "python3.9", "java21", "provided.al2023"]


class FakeSSM:
    calls = 0

    def get_parameter(self, Name: str, WithDecryption: bool = False) -> dict[str, Any]:  # noqa: N803
        FakeSSM.calls += 1
        return {"Parameter": {"Name": Name, "Type": "StringList", "Value": "nodejs22.x,python3.13,java21"}}


class FakeLambda:
    calls = 0

    def get_account_settings(self) -> dict[str, Any]:
        FakeLambda.calls += 1
        return {"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                 "CodeSizeZipped": 52428800, "ConcurrentExecutions": 1000,
                                 "UnreservedConcurrentExecutions": 900},
                "AccountUsage": {"TotalCodeSize": 1000000, "FunctionCount": 10}}

    def get_function_concurrency(self, FunctionName: str) -> dict[str, Any]:  # noqa: N803
        FakeLambda.calls += 1
        return {"ReservedConcurrentExecutions": 5}

    def get_paginator(self, name: str) -> Any:
        class Pages:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                FakeLambda.calls += 1
                return [{"Versions": [{"Version": "$LATEST"}, {"Version": "1"}]}]

        return Pages()


def _props(rng: random.Random, i: int) -> dict[str, Any]:
    props: dict[str, Any] = {"FunctionName": f"fn-{i}", "Runtime": rng.choice(RUNTIMES), "Handler": "index.handler",
                             "MemorySize": str(rng.choice([128, 256, 1024, 20000])), "Timeout": rng.choice([3, "30", 900]),
                             "ReservedConcurrentExecutions": rng.choice([None, 5, 50]),
                             "Tags": [{"Key": "team", "Value": f"t{rng.randrange(50)}"}]}
    if rng.random() < 0.5:
        props["Environment"] = {"Variables": {f"K{j}": "v" * rng.randrange(1, 300) for j in range(rng.randrange(4))}}
    return {k: v for k, v in props.items() if v is not None}


def _template(rng: random.Random, i: int) -> str:
    lines = ["Resources:"]
    for j in range(rng.randrange(1, 6)):
        lines += [f"  Fn{j}:", "    Type: AWS::Lambda::Function", "    Properties:",
                  f"      Runtime: {rng.choice(RUNTIMES)}", "      Handler: index.handler",
                  f"      Description: {'d' * 120}{i}-{j}",  # distinct scalars, as real templates have
                  "      Role: !GetAtt Role.Arn", "      Environment:", "        Variables:",
                  f"          STAGE: !If [IsProd, prod-{i}, dev]"]
    return "\n".join(lines) + "\n"


def _event(rng: random.Random, i: int) -> tuple[dict[str, Any], bytes | None]:
    kind = rng.choices(["RESOURCE", "CLOUD_CONTROL", "STACK", "CHANGE_SET", "DELETE", "BAD"],
                       weights=[60, 10, 12, 8, 5, 5])[0]
    token = f"tok-{i}"
    if kind in ("RESOURCE", "CLOUD_CONTROL", "DELETE"):
        rtype = "AWS::Lambda::Version" if rng.random() < 0.2 else "AWS::Lambda::Function"
        props = {} if kind == "DELETE" else _props(rng, i) if rtype.endswith("Function") else {"FunctionName": f"fn-{i}"}
        model: dict[str, Any] = {"resourceProperties": props}
        point = "DELETE_PRE_PROVISION" if kind == "DELETE" else rng.choice(["CREATE_PRE_PROVISION", "UPDATE_PRE_PROVISION"])
        if point.startswith("UPDATE"):
            model["previousResourceProperties"] = _props(rng, i)
        data = {"targetName": rtype, "targetType": rtype, "targetLogicalId": f"Fn{i}", "targetModel": model}
        event: dict[str, Any] = {"clientRequestToken": token, "requestData": data, "actionInvocationPoint": point}
        if kind != "CLOUD_CONTROL":
            event["stackId"] = STACK_ID
        else:
            data["targetType"] = "RESOURCE"
        return event, None
    if kind == "BAD":
        return rng.choice([{"clientRequestToken": token}, {"requestData": "x"}, [], {"clientRequestToken": "\ud800",
                           "stackId": STACK_ID, "requestData": {"targetName": "X" * 5000}}]), None
    body: dict[str, Any] = {"template": _template(rng, i), "previousTemplate": ""}
    if kind == "CHANGE_SET":
        body["changedResources"] = [{"action": "CREATE", "logicalResourceId": "Fn0", "resourceType": "AWS::Lambda::Function",
                                     "afterContext": json.dumps({"Properties": _props(rng, i)})}]
    event = {"clientRequestToken": token, "stackId": STACK_ID, "actionInvocationPoint": "CREATE_PRE_PROVISION",
             "requestData": {"targetName": kind, "targetType": kind, "targetLogicalId": "app",
                             "payload": "https://b.s3.amazonaws.com/p?X-Amz-Signature=x"}}
    return event, json.dumps(body).encode()


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _caches(handler: Any) -> dict[str, Any]:
    from hook import sdk, sources
    from hook.core import engine, schema
    from hook.inputs import yamlcfn

    observer = handler._observer
    metrics = getattr(observer, "metrics", None)
    return {
        "ssm": sources._SSM_CACHE.size()[0], "account": sources._ACCOUNT_CACHE.size()[0],
        "policy": sources._POLICY_CACHE.size()[0], "yaml_scalars": yamlcfn.scalar_cache_size()[0],
        "yaml_chars": yamlcfn.scalar_cache_size()[1], "validated_params": len(engine._VALIDATED),
        "pointers": len(sdk._TOKENS), "regex": schema._regex.cache_info().currsize, "clients": len(sources._CLIENTS),
        "metric_values": sum(len(m.get("Value", [])) for m in metrics.metric_set.values()) if metrics else 0,
    }


def soak(invocations: int, window: int) -> None:
    from hook import handler
    from hook.sources import AwsAccount, SSMValues

    policy = Path(tempfile.mkdtemp()) / "soak.policy.yaml"
    policy.write_text((ROOT / "policies" / "default.policy.yaml").read_text().replace(
        "rules:\n", "rules:\n  lambda.runtime-allowed:\n    params: {allowed: {ssm: /govhook/runtimes}}\n", 1)
        if "lambda.runtime-allowed:" not in (ROOT / "policies" / "default.policy.yaml").read_text()
        else (ROOT / "policies" / "default.policy.yaml").read_text())
    os.environ["GOVHOOK_POLICY"] = str(policy)
    sys.stdout.flush()
    real_stdout = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the decision log and EMF blobs
    out = os.fdopen(real_stdout, "w", buffering=1)
    rng = random.Random(11)
    values, account = SSMValues(ssm=FakeSSM()), AwsAccount(lambda_client=FakeLambda())
    times: list[float] = []
    print(f"namespace={os.environ.get('POWERTOOLS_METRICS_NAMESPACE') or '(unset)'}", file=out)
    print("invocations  rss_mb  p50_ms  p99_ms  caches", file=out)
    for i in range(1, invocations + 1):
        event, body = _event(rng, i)
        fetch = (lambda url, b=body: b) if body is not None else None
        started = time.perf_counter()
        handler.handle(event, None, fetch=fetch, values=values, account=account)
        times.append((time.perf_counter() - started) * 1000)
        if i % window == 0:
            times.sort()
            p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
            print(f"{i:>11}  {_rss_mb():6.1f}  {p50:6.2f}  {p99:6.2f}  {json.dumps(_caches(handler))}", file=out)
            times = []
    print(f"source calls: ssm {FakeSSM.calls}, lambda {FakeLambda.calls}", file=out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--invocations", type=int, default=50000)
    ap.add_argument("--window", type=int, default=5000)
    ap.add_argument("--only", choices=["set", "unset"], help="one run: with the metrics namespace set, or unset")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        soak(args.invocations, args.window)
        return
    runs = {"set": ("govhook-soak",), "unset": ("",)}.get(args.only or "", ("govhook-soak", ""))
    for namespace in runs:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("POWERTOOLS_METRICS_NAMESPACE", None)
        if namespace:
            env["POWERTOOLS_METRICS_NAMESPACE"] = namespace
        subprocess.run([sys.executable, __file__, "--child", "--invocations", str(args.invocations),
                        "--window", str(args.window)], env=env, check=True)


if __name__ == "__main__":
    main()
