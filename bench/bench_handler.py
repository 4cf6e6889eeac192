"""Handler benchmarks (issue 3), on the venv's interpreter (python3.13 as in Lambda).

- cold: importing hook.handler, whole process, median, minus a bare interpreter (target <= 60 ms)
- first decision: import + first RESOURCE event with SSM fetches from moto's server (the policy,
  as deploy.sh publishes it, and the allowed runtimes), against
  `import boto3; boto3.client("ssm").get_parameter(...)` on the same server (target <= 1.25x);
  also shown, not judged: the same with the YAML policy file bundled instead
- warm RESOURCE decision, in process, median (target <= 0.5 ms)
- warm STACK decision on a 500-function JSON template, fetch excluded (target <= 60 ms)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))


def proc_time(code: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_alternating(cmds: dict[str, str], runs: int, env: dict[str, str] | None = None) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for code in cmds.values():
        proc_time(code, env)
    for _ in range(runs):
        for k, code in cmds.items():
            times[k].append(proc_time(code, env))
    return {k: statistics.median(v) for k, v in times.items()}


EVENT = {
    "clientRequestToken": "bench", "awsAccountId": "123456789012",
    "stackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/app/x",
    "actionInvocationPoint": "CREATE_PRE_PROVISION",
    "requestData": {"targetName": "AWS::Lambda::Function", "targetType": "AWS::Lambda::Function", "targetLogicalId": "Fn",
                    "targetModel": {"resourceProperties": {"Runtime": "nodejs22.x", "MemorySize": "128", "Timeout": "30",
                                                           "Tags": [{"Key": "team", "Value": "a"}]}}},
}


def main() -> int:
    runs = int(os.environ.get("RUNS", "15"))
    from bench_cli import compile_bytecode

    compile_bytecode()  # boto3 runs from its .pyc files; so does govhook (see bench_cli.py)
    verdicts = []
    cold = median_alternating({"bare": "pass", "handler": "import hook.handler"}, runs)
    over = (cold["handler"] - cold["bare"]) * 1000
    print(f"cold import: bare {cold['bare'] * 1000:.1f} ms, hook.handler {cold['handler'] * 1000:.1f} ms, +{over:.1f} ms")
    verdicts.append(f"{'MET ' if over <= 60 else 'MISS'} cold import +{over:.1f} ms (target <= 60 ms)")

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
               AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", POWERTOOLS_METRICS_NAMESPACE="bench",
               GOVHOOK_POLICY=str(ROOT / "policies" / "default.policy.yaml"))
    import boto3

    from hook.core.policy import policy_json

    ssm = boto3.client("ssm", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1", aws_access_key_id="x",
                       aws_secret_access_key="x")
    ssm.put_parameter(Name="/govhook/allowed-runtimes", Type="StringList", Value="python3.13,nodejs22.x")
    # What deploy.sh installs: the validated policy published to SSM as compact JSON.
    ssm.put_parameter(Name="/govhook/policy", Type="String", Value=policy_json(str(ROOT / "policies" / "default.policy.yaml")))
    decide = f"import json; from hook.handler import lambda_handler; lambda_handler(json.loads({json.dumps(json.dumps(EVENT))}), None)"
    first = median_alternating({
        "boto3": "import boto3; boto3.client('ssm').get_parameter(Name='/govhook/allowed-runtimes')",
        "deployed": f"import os; os.environ['GOVHOOK_POLICY'] = 'ssm:/govhook/policy'; {decide}",
        "bundled-yaml": decide,
    }, max(5, runs // 2), env)
    ratio = first["deployed"] / first["boto3"]
    yaml_ratio = first["bundled-yaml"] / first["boto3"]
    print(f"first decision: boto3 baseline {first['boto3'] * 1000:.0f} ms; govhook as deploy.sh installs it (policy from "
          f"SSM as JSON) {first['deployed'] * 1000:.0f} ms, {ratio:.2f}x; with the YAML policy file bundled "
          f"{first['bundled-yaml'] * 1000:.0f} ms, {yaml_ratio:.2f}x")
    verdicts.append(f"{'MET ' if ratio <= 1.25 else 'MISS'} first decision {ratio:.2f}x the bare boto3 SSM call, as deployed "
                    "(target <= 1.25x)")
    server.stop()

    from gen import template

    from hook.core.values import OfflineValues
    from hook.handler import handle
    from hook.sdk import OfflineAccount

    os.environ["GOVHOOK_POLICY"] = str(ROOT / "policies" / "default.policy.yaml")
    values, account = OfflineValues(), OfflineAccount()
    handle(EVENT, None, values=values, account=account, observe=False)
    samples = []
    for _ in range(2000):
        t = time.perf_counter()
        handle(EVENT, None, values=values, account=account, observe=False)
        samples.append(time.perf_counter() - t)
    warm = statistics.median(samples) * 1000
    print(f"warm RESOURCE decision: {warm:.3f} ms")
    verdicts.append(f"{'MET ' if warm <= 0.5 else 'MISS'} warm RESOURCE {warm:.3f} ms (target <= 0.5 ms)")

    payload = json.dumps({"template": json.dumps(template(500)), "previousTemplate": ""}).encode()
    stack_event = {"clientRequestToken": "b", "stackId": "arn:aws:cloudformation:us-east-1:1:stack/app/x",
                   "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": "app", "payload": "https://x"}}
    samples = []
    for _ in range(15):
        t = time.perf_counter()
        handle(stack_event, None, fetch=lambda url: payload, values=values, account=account, observe=False)
        samples.append(time.perf_counter() - t)
    stack = statistics.median(samples) * 1000
    print(f"warm STACK decision, 500 functions (JSON), fetch excluded: {stack:.1f} ms")
    verdicts.append(f"{'MET ' if stack <= 60 else 'MISS'} warm STACK {stack:.1f} ms (target <= 60 ms)")
    print()
    for v in verdicts:
        print(v)
    return 0 if all(v.startswith("MET") for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
