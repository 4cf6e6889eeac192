"""Benchmark: `govhook check` against cfn-lint and the plain-Python floor, as whole processes.

Generates the inputs (bench/gen.py), then for each input runs every tool in turn (alternating,
so machine noise hits all of them alike), several times, and prints medians and ratios against
the targets of issue 2:

- govhook >= 6x faster than cfn-lint on 1 function, >= 30x on 500 functions and on 200 files;
- govhook within 2.5x of the floor (libyaml parse + four checks) on 500 functions.

Usage: python bench/bench_cli.py [--runs N] [--skip-cfn-lint]
"""

from __future__ import annotations

import argparse
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

from gen import generate  # noqa: E402

BIN = Path(sys.executable).parent


def run(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1, 2, 4, 6, 8, 10, 12, 14):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def inputs_for(path: Path) -> list[str]:
    return sorted(str(p) for p in path.glob("*.yaml")) if path.is_dir() else [str(path)]


def compile_bytecode() -> None:
    """Write govhook's .pyc files, as ``pip install`` does for an installed package.

    cfn-lint and the floor's PyYAML run from site-packages with their bytecode; govhook runs from
    this checkout (an editable install), and with PYTHONDONTWRITEBYTECODE set (as in some CI and
    agent environments) it would recompile its ~7,000 lines in every timed process (~40 ms).
    ``py_compile`` writes the files whatever that variable says.
    """
    import compileall

    compileall.compile_dir(str(ROOT / "hook"), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-cfn-lint", action="store_true")
    parser.add_argument("--json", default=str(HERE / "out" / "cli.json"))
    args = parser.parse_args()
    compile_bytecode()

    paths = generate(HERE / "out")
    policy = str(ROOT / "policies" / "default.policy.yaml")
    cases = {k: v for k, v in paths.items() if k in ("1 fn", "100 fn", "500 fn", "200 files")}
    results: dict[str, dict[str, float]] = {}
    for name, path in cases.items():
        files = inputs_for(path)
        tools = {
            "govhook": [str(BIN / "govhook"), "check", "--policy", policy, "--format", "text", str(path)],
            "floor": [sys.executable, str(HERE / "floor.py"), str(path)],
        }
        if not args.skip_cfn_lint:
            tools["cfn-lint"] = [str(BIN / "cfn-lint"), *files]
        times: dict[str, list[float]] = {t: [] for t in tools}
        for cmd in tools.values():  # warm the page cache and .pyc files once
            run(cmd)
        for _ in range(args.runs):
            for t, cmd in tools.items():
                times[t].append(run(cmd))
        results[name] = {t: statistics.median(v) for t, v in times.items()}
        line = ", ".join(f"{t} {m * 1000:.0f} ms" for t, m in results[name].items())
        print(f"{name:>10}: {line}", flush=True)

    print()
    print("| input | govhook | cfn-lint | floor | cfn-lint / govhook | govhook / floor |")
    print("|---|---:|---:|---:|---:|---:|")
    verdicts: list[str] = []
    for name, r in results.items():
        g, f = r["govhook"], r["floor"]
        c = r.get("cfn-lint")
        speedup = f"{c / g:.1f}x" if c else "-"
        print(
            f"| {name} | {g * 1000:.0f} ms | {c * 1000:.0f} ms | {f * 1000:.0f} ms | {speedup} | {g / f:.2f}x |"
            if c
            else f"| {name} | {g * 1000:.0f} ms | - | {f * 1000:.0f} ms | - | {g / f:.2f}x |"
        )
        if c:
            target = 6 if name == "1 fn" else 30 if name in ("500 fn", "200 files") else None
            if target:
                ok = c / g >= target
                verdicts.append(f"{'MET ' if ok else 'MISS'} {name}: {c / g:.1f}x faster than cfn-lint (target {target}x)")
        if name == "500 fn":
            ok = g / f <= 2.5
            verdicts.append(f"{'MET ' if ok else 'MISS'} {name}: {g / f:.2f}x the floor (target <= 2.5x)")
    print()
    for v in verdicts:
        print(v)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"runs": args.runs, "medians_s": results, "verdicts": verdicts}, indent=2))
    return 0 if all(v.startswith("MET") for v in verdicts) else 1


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
