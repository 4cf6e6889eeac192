"""Benchmark: govhook and the CDK (issue 14), as whole processes, medians in the same run.

1. Plugin overhead: `cdk synth` of sample/cdk (as the CDK CLI runs it: `python app.py` with
   CDK_OUTDIR and the CLI's context) with GovhookPlugin and without it (context govhook:plugin=off),
   alternating, median of --runs (default 5). Target: at most 20% more.
2. `govhook check cdk.out` of a generated 50-stack cloud assembly (manifest, 5 functions a stack)
   against `govhook check` of the same 50 templates passed as files. Target: within 2x.

Needs aws-cdk-lib for Python: the integration tests' cache (.pytest_cache/d/govhook-cdk/python)
or --site DIR. Usage: python bench/bench_cdk.py [--runs N] [--site DIR] [--skip-synth]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOVHOOK = str(Path(sys.executable).parent / "govhook")
POLICY = str(ROOT / "policies" / "default.policy.yaml")
CONTEXT = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}


def timed(cmd: list[str], **kw: object) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, **kw)  # type: ignore[call-overload]
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {proc.stderr.decode()[-800:]}")
    return elapsed


def synth(site: Path, plugin: bool, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    ctx = {**CONTEXT, "govhook:policy": POLICY, **({} if plugin else {"govhook:plugin": "off"})}
    env = {**os.environ, "CDK_OUTDIR": str(out), "CDK_CONTEXT_JSON": json.dumps(ctx),
           "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    return timed([sys.executable, "app.py"], cwd=ROOT / "sample" / "cdk", env=env)


def function(i: int, runtime: str) -> dict[str, object]:
    return {"Type": "AWS::Lambda::Function", "Metadata": {"aws:cdk:path": f"S/Fn{i}/Resource"},
            "Properties": {"Runtime": runtime, "Handler": "index.handler", "MemorySize": 256, "Timeout": 30,
                           "Role": {"Fn::GetAtt": [f"Role{i}", "Arn"]}, "Code": {"ZipFile": "x"},
                           "Architectures": ["arm64"], "TracingConfig": {"Mode": "Active"}}}


def assembly(root: Path, stacks: int = 50, functions: int = 5) -> tuple[Path, list[str]]:
    out = root / "cdk.out"
    files_dir = root / "files"
    out.mkdir()
    files_dir.mkdir()
    artifacts: dict[str, object] = {}
    files: list[str] = []
    for s in range(stacks):
        resources: dict[str, object] = {}
        for i in range(functions):
            resources[f"Fn{i}"] = function(i, "python3.13" if i else "nodejs18.x")
            resources[f"Role{i}"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}
        text = json.dumps({"Resources": resources}, indent=1)
        name = f"Stack{s}.template.json"
        (out / name).write_text(text)
        (files_dir / name).write_text(text)
        files.append(str(files_dir / name))
        artifacts[f"Stack{s}"] = {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1",
                                  "properties": {"templateFile": name, "stackName": f"stack-{s}"}}
    (out / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return out, files


def median_pair(a: list[float], b: list[float]) -> tuple[float, float]:
    return statistics.median(a), statistics.median(b)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", default=str(ROOT / ".pytest_cache" / "d" / "govhook-cdk" / "python"))
    parser.add_argument("--skip-synth", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if not args.skip_synth:
            site = Path(args.site)
            if not (site / "aws_cdk").is_dir():
                raise SystemExit(f"no aws-cdk-lib in {site}: run tests/integration/test_cdk.py once, or pass --site")
            with_plugin: list[float] = []
            without: list[float] = []
            synth(site, True, root / "warm")  # jsii's first start unpacks aws-cdk-lib: not measured
            for _ in range(args.runs):
                without.append(synth(site, False, root / "a"))
                with_plugin.append(synth(site, True, root / "b"))
            base, plug = median_pair(without, with_plugin)
            print(f"cdk synth of sample/cdk: without the plugin {base:.2f} s, with it {plug:.2f} s "
                  f"(+{(plug / base - 1) * 100:.1f}%; target <= +20%) [median of {args.runs}]")
        out, files = assembly(root)
        as_assembly: list[float] = []
        as_files: list[float] = []
        for _ in range(args.runs):
            as_files.append(timed([GOVHOOK, "check", "--policy", POLICY, "--format", "json", *files]))
            as_assembly.append(timed([GOVHOOK, "check", "--policy", POLICY, "--format", "json", str(out)]))
        files_s, asm_s = median_pair(as_files, as_assembly)
        print(f"govhook check of 50 stacks: as files {files_s:.2f} s, as cdk.out {asm_s:.2f} s "
              f"({asm_s / files_s:.2f}x; target <= 2x) [median of {args.runs}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
