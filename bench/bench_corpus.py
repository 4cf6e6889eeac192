"""Benchmark on the templates people have: the public corpus (SAM, serverless.yml), govhook vs cfn-lint.

The corpus is read where it lies (default /work/shared/corpus, or --corpus DIR; MANIFEST.tsv lists
each file's repository, path and commit). Serverless Framework services are staged as
``<dir>/serverless.yml`` in a temporary directory (the Framework finds them by that name; cfn-lint
does not read them). The corpus has no CDK app: CDK-synthesized templates come from
``bench/cdk_corpus_app.py`` (ten stacks of the usual constructs, the CDK's own functions among
them), synthesized by the real aws-cdk-lib from ``--cdk-site`` (default: the integration tests'
cache) before anything is timed, and measured on their own: ``govhook check cdk.out`` (the
assembly, read by its manifest) against ``cfn-lint`` of its templates; skipped, and said, without
aws-cdk-lib.

Measured: CPU time of the child process (user + sys, ``resource.getrusage(RUSAGE_CHILDREN)``
deltas), which a loaded, shared machine disturbs much less than wall time; wall time is printed
beside it. Tools alternate in each round; medians of ``--runs`` rounds; ratios in the same run.

- one process: every file in one ``govhook check`` (``--jobs 1`` and default jobs) and one
  ``cfn-lint`` run; the same for the synthesized CDK assembly;
- process per file: a sample of ``--per-file`` files, one process each, median per kind;
- one SAM template whole process against the same template already expanded;
- ``--jobs 2`` against ``--jobs 1`` and a warm cache against a cold one on 200 generated files;
- 500 generated functions against cfn-guard (`lambda.guard`), when its binary is found
  (``--cfn-guard PATH`` or node_modules/@cdklabs/cdk-validator-cfnguard);
- ``--profile``: the top cProfile entries of govhook over the corpus, in one process.

Usage: python bench/bench_corpus.py [--corpus DIR] [--runs N] [--per-file N] [--profile]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
POLICY = str(ROOT / "policies" / "default.policy.yaml")
GUARD_RULES = Path("/work/shared/bench/lambda.guard")
sys.path.insert(0, str(HERE))


_transform = re.compile(r"""["']?Transform["']?\s*:\s*\[?\s*["']?AWS::Serverless""")


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode < 0 or proc.returncode > 32:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def corpus_files(corpus: Path, stage: Path) -> tuple[list[str], list[str], list[str]]:
    """(SAM/CloudFormation files, staged serverless.yml paths, all paths govhook checks)."""
    rows = [line.split("\t") for line in (corpus / "MANIFEST.tsv").read_text().splitlines()[1:] if line.strip()]
    templates: list[str] = []
    services: list[str] = []
    for row in rows:
        path = corpus / row[0]
        if not path.is_file():
            continue
        if row[4].strip() == "serverless.yml":
            d = stage / path.stem.replace("__serverless", "")
            d.mkdir(parents=True, exist_ok=True)
            (d / "serverless.yml").symlink_to(path)
            services.append(str(d / "serverless.yml"))
        else:
            templates.append(str(path))
    return sorted(templates), sorted(services), sorted(templates) + sorted(services)


REJECTED = r"""
import contextlib, io, sys
from hook.cli import main
for path in sys.argv[2:]:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", "--policy", sys.argv[1], "--jobs", "1", "--no-cache", path])
    if code == 2:
        print(path)
"""


def rejected(paths: list[str]) -> set[str]:
    """The files govhook refuses with exit 2 (Rain tags, templates meant to be rejected): left out of
    every timed run, for both tools, since today one bad file stops a whole ``govhook check``."""
    proc = subprocess.run([sys.executable, "-c", REJECTED, POLICY, *paths], cwd=ROOT, capture_output=True,
                          text=True, check=True, env=dict(os.environ, GOVHOOK_NO_CACHE="1"))
    return set(proc.stdout.split())


def govhook(*args: str) -> list[str]:
    return [str(BIN / "govhook"), "check", "--policy", POLICY, "--no-color", "--ignore-non-templates", *args]


def medians(tools: dict[str, list[str]], runs: int, env: dict[str, str] | None = None,
            before: dict[str, object] | None = None, warm: bool = True) -> dict[str, tuple[float, float]]:
    times: dict[str, list[tuple[float, float]]] = {t: [] for t in tools}
    for cmd in tools.values() if warm else ():  # warm the page cache and .pyc files once
        run(cmd, env)
    for _ in range(runs):
        for name, cmd in tools.items():
            if before and name in before:
                before[name]()  # type: ignore[operator]
            times[name].append(run(cmd, env))
    return {t: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v)) for t, v in times.items()}


def show(title: str, result: dict[str, tuple[float, float]]) -> None:
    line = ", ".join(f"{t} {c * 1000:.0f} ms CPU ({w * 1000:.0f} ms wall)" for t, (c, w) in result.items())
    print(f"{title}: {line}", flush=True)


def synth_cdk(site: Path, out: Path) -> Path | None:
    """``bench/cdk_corpus_app.py`` synthesized into ``out`` (not timed), or None without aws-cdk-lib."""
    if not (site / "aws_cdk").is_dir():
        return None
    env = dict(os.environ, CDK_OUTDIR=str(out), PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    proc = subprocess.run([sys.executable, str(HERE / "cdk_corpus_app.py")], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0 or not (out / "manifest.json").is_file():
        raise SystemExit(f"bench/cdk_corpus_app.py failed ({proc.returncode}): {proc.stderr.decode()[-800:]}")
    return out


def find_guard(given: str | None) -> str | None:
    for cand in [given, shutil.which("cfn-guard"),
                 *glob.glob(str(ROOT / "node_modules/@cdklabs/cdk-validator-cfnguard/bin/ubuntu/x86_64/cfn-guard")),
                 *glob.glob("/work/shared/bench/node_modules/@cdklabs/cdk-validator-cfnguard/bin/ubuntu/x86_64/cfn-guard")]:
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def expanded_copy(sam_file: str, out: Path) -> str:
    """The SAM template as CloudFormation would expand it (govhook's own expansion), as JSON."""
    from hook.cli.adapters.sam import expand
    from hook.inputs.yamlcfn import load_template_nodes, read_source

    template, _ = load_template_nodes(read_source(sam_file), sam_file)
    expanded, _ = expand(template, {}, region="us-east-1", account_id="123456789012", file=sam_file)
    path = out / "expanded.json"
    path.write_text(json.dumps(expanded, indent=1, default=str))
    return str(path)


def profile(paths: list[str], top: int = 25) -> None:
    import contextlib
    import cProfile
    import io
    import pstats

    from hook.cli import main

    prof = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        prof.runcall(main, ["check", "--policy", POLICY, "--jobs", "1", "--no-cache", "--ignore-non-templates", *paths])
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-(top + 2) * 200:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="/work/shared/corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus-runs", type=int, default=1, help="rounds of the whole-corpus run (cfn-lint: minutes each)")
    parser.add_argument("--per-file", type=int, default=10, help="files of each kind timed one process each")
    parser.add_argument("--cfn-guard", help="path of the cfn-guard binary")
    parser.add_argument("--skip-cfn-lint", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cdk-site", default=str(ROOT / ".pytest_cache" / "d" / "govhook-cdk" / "python"),
                        help="a directory holding aws-cdk-lib for Python (default: the integration tests' cache)")
    parser.add_argument("--only", nargs="*", default=["corpus", "cdk", "per-file", "sam", "jobs", "cache", "guard"])
    args = parser.parse_args()
    import compileall

    compileall.compile_dir(str(ROOT / "hook"), quiet=1)
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"{os.cpu_count()} cores; {sys.version.split()[0]}", flush=True)
    verdicts: list[str] = []
    stage = Path(tempfile.mkdtemp(prefix="govhook-bench-"))
    cache = Path(tempfile.mkdtemp(prefix="govhook-bench-cache-"))
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), NO_COLOR="1")
    try:
        templates, services, paths = corpus_files(Path(args.corpus), stage / "sls")
        bad = rejected(paths)
        print(f"left out: {len(bad)} files govhook rejects with exit 2", flush=True)
        templates = [p for p in templates if p not in bad]
        services = [p for p in services if p not in bad]
        paths = templates + services
        sam = [p for p in templates if _transform.search(Path(p).read_text(errors="replace"))]
        print(f"corpus: {len(templates)} templates ({len(sam)} SAM), {len(services)} serverless.yml services")
        if "corpus" in args.only:
            tools = {"govhook -j1": govhook("--jobs", "1", "--no-cache", *paths),
                     "govhook": govhook("--no-cache", *paths)}
            if not args.skip_cfn_lint:
                tools["cfn-lint"] = [str(BIN / "cfn-lint"), *templates]
            # cfn-lint takes minutes here: no warm-up round (the corpus files are read once by the filter)
            r = medians(tools, args.corpus_runs, env, warm=False)
            show("corpus, one process", r)
            if "cfn-lint" in r:
                ratio = r["cfn-lint"][0] / r["govhook -j1"][0]
                verdicts.append(f"{'MET ' if ratio >= 20 else 'MISS'} corpus one process: cfn-lint / govhook "
                                f"(--jobs 1) CPU {ratio:.1f}x (target >= 20x); default jobs: "
                                f"{r['cfn-lint'][0] / r['govhook'][0]:.1f}x CPU, "
                                f"{r['cfn-lint'][1] / r['govhook'][1]:.1f}x wall")
        if "cdk" in args.only:
            assembly = synth_cdk(Path(args.cdk_site), stage / "cdk.out")
            if assembly is None:
                print(f"CDK: no aws-cdk-lib in {args.cdk_site} (run tests/integration/test_cdk.py once, or pass "
                      "--cdk-site): the CDK-synthesized measure is skipped")
            else:
                cdk_templates = sorted(str(t) for t in assembly.glob("*.template.json"))
                tools = {"govhook -j1": govhook("--jobs", "1", "--no-cache", str(assembly))}
                if not args.skip_cfn_lint:
                    tools["cfn-lint"] = [str(BIN / "cfn-lint"), *cdk_templates]
                r = medians(tools, args.runs, env)
                show(f"CDK-synthesized assembly ({len(cdk_templates)} stacks, one process)", r)
                if "cfn-lint" in r:
                    verdicts.append(f"     CDK assembly, one process: cfn-lint / govhook (--jobs 1) CPU "
                                    f"{r['cfn-lint'][0] / r['govhook -j1'][0]:.1f}x (no target of its own)")
        if "per-file" in args.only:
            plain = [p for p in templates if p not in sam]
            for kind, files in (("SAM", sam), ("plain", plain), ("serverless.yml", services)):
                sample = files[:: max(1, len(files) // args.per_file)][: args.per_file]
                g: list[float] = []
                c: list[float] = []
                for f in sample:
                    g.append(run(govhook("--jobs", "1", "--no-cache", f), env)[0])
                    if kind != "serverless.yml" and not args.skip_cfn_lint:
                        c.append(run([str(BIN / "cfn-lint"), f], env)[0])
                line = f"process per file, {kind} ({len(sample)} files): govhook median {statistics.median(g) * 1000:.0f} ms CPU"
                if c:
                    line += f", cfn-lint {statistics.median(c) * 1000:.0f} ms ({statistics.median(c) / statistics.median(g):.1f}x)"
                print(line, flush=True)
        if "sam" in args.only and sam:
            sam_file = next((p for p in sam if "AutoPublishAlias" in Path(p).read_text()), sam[0])
            expanded = expanded_copy(sam_file, stage)
            r = medians({"SAM": govhook("--no-cache", sam_file), "expanded": govhook("--no-cache", expanded)},
                        max(args.runs, 5), env)
            show(f"one SAM template ({Path(sam_file).name})", r)
            ratio = r["SAM"][0] / r["expanded"][0]
            verdicts.append(f"{'MET ' if ratio <= 2 else 'MISS'} one SAM template whole process: {ratio:.2f}x "
                            "the expanded template's CPU (target <= 2x)")
        from gen import generate

        gen = generate(HERE / "out")
        if "jobs" in args.only:
            many = str(gen["200 files"])
            r = medians({"jobs 1": govhook("--no-cache", "--jobs", "1", many),
                         "jobs 2": govhook("--no-cache", "--jobs", "2", many)}, max(args.runs, 5), env)
            show("200 files", r)
            ratio = r["jobs 1"][1] / r["jobs 2"][1]
            verdicts.append(f"{'MET ' if ratio >= 1.6 else 'MISS'} 200 files --jobs 2: {ratio:.2f}x faster "
                            f"(wall) than --jobs 1 (target >= 1.6x); CPU {r['jobs 2'][0] / r['jobs 1'][0]:.2f}x")
        if "cache" in args.only:
            many = str(gen["200 files"])

            def clear() -> None:
                shutil.rmtree(cache / "govhook", ignore_errors=True)

            # cold: the cache emptied before each run; warm: the run right after it
            r = medians({"cold": govhook(many), "warm": govhook(many)}, max(args.runs, 5), env,
                        before={"cold": clear})
            show("200 files, result cache", r)
            ratio = r["warm"][0] / r["cold"][0]
            verdicts.append(f"{'MET ' if ratio <= 0.2 else 'MISS'} warm cache on 200 files: {ratio:.2f}x the first "
                            f"run's CPU (target <= 0.2x); wall {r['warm'][1] / r['cold'][1]:.2f}x")
        if "guard" in args.only:
            guard = find_guard(args.cfn_guard)
            if guard is None:
                print("cfn-guard: not found (see bench/README.md); 500-function comparison skipped")
            else:
                f500 = str(gen["500 fn"])
                same = govhook("--no-cache", "--jobs", "1", f500)
                same[same.index(POLICY)] = str(HERE / "guard4.policy.yaml")
                r = medians({"govhook": govhook("--no-cache", "--jobs", "1", f500),
                             "govhook, 4 checks": same,
                             "cfn-guard": [guard, "validate", "-r", str(GUARD_RULES), "-d", f500, "-o", "json",
                                           "-S", "none"]}, max(args.runs, 5), env)
                show("500 functions", r)
                ratio = r["govhook"][0] / r["cfn-guard"][0]
                verdicts.append(f"{'MET ' if ratio <= 0.8 else 'MISS'} 500 functions: govhook {ratio:.2f}x cfn-guard's "
                                "CPU (target <= 0.8x); with only cfn-guard's 4 checks (bench/guard4.policy.yaml) "
                                f"{r['govhook, 4 checks'][0] / r['cfn-guard'][0]:.2f}x")
        if args.profile:
            profile(paths)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    print(f"\nload after: {os.getloadavg()[0]:.2f}")
    for v in verdicts:
        print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
