"""What the hooks' configuration costs in invocations (issue 15, item 2).

For every CloudFormation/SAM template of the public corpus (/work/shared/corpus, read-only), the
resources CloudFormation provisions (SAM expanded as the CLI expands it) and the Lambda ones among
them. Per deployment of a stack, the hook function is invoked:

- shipped (two hooks): one RESOURCE invocation per Lambda resource, one STACK, one CHANGE_SET
  (when the deploy creates a change set, as `aws cloudformation deploy`, `sam deploy` and
  `cdk deploy` do);
- one hook without TargetNames (the other configuration that is right whatever CloudFormation
  does with TargetNames on STACK): one RESOURCE invocation per resource of any type, plus STACK and
  CHANGE_SET;
- the old configuration: one per Lambda resource, and STACK only if CloudFormation does not filter
  it out by the Lambda TargetNames (unknown).

Then the handler's warm time, in process, for what the extra invocations are: a STACK and a
CHANGE_SET of a template without Lambda resources, and a "not governed" RESOURCE, each as a ratio
of a governed Lambda RESOURCE decision measured in the same run. Run: `.venv/bin/python bench/bench_invocations.py`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = Path("/work/shared/corpus")


def corpus_counts() -> tuple[int, int, int, int]:
    from hook.cli.adapters.template import load_targets
    from hook.core.model import ResourceTarget

    stacks = resources = lambdas = failed = 0
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or path.name.startswith("serverless.") or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if "Resources" not in text:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                targets = [t for t in load_targets(str(path)).targets if isinstance(t, ResourceTarget)]
        except Exception:
            failed += 1
            continue
        if not targets:
            continue
        stacks += 1
        resources += len(targets)
        lambdas += sum(1 for t in targets if t.resource_type.startswith("AWS::Lambda::"))
    return stacks, resources, lambdas, failed


def median_ms(fn: Any, n: int = 300) -> float:
    for _ in range(20):
        fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def handler_times() -> dict[str, float]:
    from hook.core.values import OfflineValues
    from hook.handler import handle
    from hook.sdk import OfflineAccount

    env = {"clientRequestToken": "b", "awsAccountId": "123456789012", "actionInvocationPoint": "CREATE_PRE_PROVISION",
           "stackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/app/1"}
    no_lambda = json.dumps({"Resources": {f"Q{i}": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 60}}
                                          for i in range(20)}})
    payloads = {"stack": json.dumps({"template": no_lambda, "previousTemplate": ""}).encode(),
                "change_set": json.dumps({"template": no_lambda, "changedResources": [
                    {"action": "CREATE", "logicalResourceId": f"Q{i}", "resourceType": "AWS::SQS::Queue",
                     "beforeContext": None, "afterContext": json.dumps({"Properties": {"VisibilityTimeout": "60"}})}
                    for i in range(20)]}).encode()}

    def ask(event: dict[str, Any], payload: bytes | None = None) -> None:
        answer = handle(event, None, fetch=(lambda url: payload) if payload else None, values=OfflineValues(),
                        account=OfflineAccount(), observe=False)
        assert answer["hookStatus"] == "SUCCESS" or event["requestData"]["targetName"] == "AWS::Lambda::Function", answer

    fn = {"Runtime": "python3.13", "Handler": "app.handler", "Role": "arn:aws:iam::123456789012:role/r",
          "Code": {"S3Bucket": "b", "S3Key": "k"}, "MemorySize": "256", "Timeout": "10", "Architectures": ["arm64"],
          "TracingConfig": {"Mode": "Active"}, "Tags": [{"Key": "team", "Value": "payments"}]}
    governed = {**env, "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function",
                                       "targetLogicalId": "Fn", "targetModel": {"resourceProperties": fn}}}
    other = {**env, "requestData": {"targetName": "AWS::SQS::Queue", "targetType": "AWS::SQS::Queue",
                                    "targetLogicalId": "Q", "targetModel": {"resourceProperties": {"VisibilityTimeout": "60"}}}}
    stack = {**env, "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": "app",
                                    "payload": "https://b.s3.amazonaws.com/p"}}
    change_set = {**env, "requestData": {"targetName": "CHANGE_SET", "targetType": "CHANGE_SET",
                                         "targetLogicalId": "arn:aws:cloudformation:us-east-1:1:changeSet/c/1",
                                         "payload": "https://b.s3.amazonaws.com/p"}}
    return {
        "governed Lambda RESOURCE (baseline)": median_ms(lambda: ask(governed)),
        "not governed RESOURCE (AWS::SQS::Queue)": median_ms(lambda: ask(other)),
        "STACK, 20 queues, no Lambda (fetch excluded)": median_ms(lambda: ask(stack, payloads["stack"])),
        "CHANGE_SET, 20 queues, no Lambda (fetch excluded)": median_ms(lambda: ask(change_set, payloads["change_set"])),
    }


def main() -> None:
    import os

    os.environ.setdefault("GOVHOOK_POLICY", str(ROOT / "policies" / "default.policy.yaml"))
    stacks, resources, lambdas, failed = corpus_counts()
    print(f"corpus: {stacks} stacks ({failed} templates not loadable skipped), {resources} resources, "
          f"{lambdas} of them AWS::Lambda::* ({lambdas / resources:.0%})")
    print("invocations for one deployment of each stack, with a change set:")
    print(f"  shipped, two hooks:            {lambdas + 2 * stacks:6d}  (Lambda resources + STACK + CHANGE_SET)")
    print(f"  one hook, no TargetNames:      {resources + 2 * stacks:6d}  (every resource + STACK + CHANGE_SET)")
    print(f"  old, one hook with TargetNames:{lambdas:6d} to {lambdas + stacks}  (STACK unknown, no CHANGE_SET)")
    print(f"  per stack: shipped {(lambdas + 2 * stacks) / stacks:.1f}, no TargetNames {(resources + 2 * stacks) / stacks:.1f}")
    times = handler_times()
    base = times["governed Lambda RESOURCE (baseline)"]
    print("warm handler time, in process, median of 300:")
    for name, ms in times.items():
        print(f"  {name:<52} {ms:7.3f} ms  {ms / base:5.2f}x the baseline")


if __name__ == "__main__":
    main()
