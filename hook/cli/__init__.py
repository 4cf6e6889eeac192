"""govhook: the hook's own verdict on your templates, before you deploy.

Exit codes: 0 nothing blocking, 1 blocking findings, 2 usage or input error (one line on stderr).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from typing import Any

from hook.core.errors import GovhookError

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
# Tool output and dependencies. Not "events" or "plugin": a service of that name is a service,
# and hook events or rule case files are told apart by their content (_looks_like_template).
_SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".aws-sam", "build", "cdk.out"}
_TOP_LEVEL_KEY = re.compile(r"(?m)^\ufeff?[\"']?(?:Resources|AWSTemplateFormatVersion)[\"']?[ \t]*:")


class UsageError(GovhookError):
    """Bad arguments or input: exit 2 with one line."""


def _looks_like_template(path: str) -> bool:
    if os.path.basename(path) in ("serverless.yml", "serverless.yaml"):
        return True  # a Serverless Framework service (hook.cli.adapters.serverless)
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(65536)
            if not _template_markers(head):
                # Large Mappings or Parameters can push Resources past the first 64 KiB; a template
                # skipped here would be reported as passed. Templates are at most 1 MB.
                head += fh.read(1 << 20)
    except OSError:
        return False
    if not _template_markers(head):
        return False
    # The words appear in hook events, payloads and rule case files too: a template has them as
    # top-level keys.
    if head.lstrip("\ufeff \t\r\n").startswith("{"):
        try:
            doc = json.loads(head.lstrip("\ufeff"))
        except (ValueError, RecursionError):
            return True  # YAML flow style, or broken JSON the parser will report with its line
        return isinstance(doc, dict) and ("Resources" in doc or "AWSTemplateFormatVersion" in doc)
    return _TOP_LEVEL_KEY.search(head) is not None


def _template_markers(text: str) -> bool:
    return "AWSTemplateFormatVersion" in text or (
        ("Resources" in text) and ("Type" in text) and ("AWS::" in text)
    )


def find_templates(paths: list[str], *, ignore_non_templates: bool) -> list[str]:
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for f in sorted(files):
                    full = os.path.join(root, f)
                    if f.endswith(_TEMPLATE_SUFFIXES) and _looks_like_template(full):
                        out.append(full)
        elif os.path.isfile(p):
            if _looks_like_template(p):
                out.append(p)
            elif not ignore_non_templates:
                raise UsageError(f"{p}: not a CloudFormation template (no Resources)")
        else:
            matches = sorted(glob.glob(p, recursive=True))
            if not matches:
                raise UsageError(f"{p}: no such file or directory")
            out.extend(find_templates(matches, ignore_non_templates=True))
    unique: list[str] = []
    for x in out:
        if x not in unique:
            unique.append(x)
    return unique


def _default_policy() -> str:
    path = os.path.join("policies", "default.policy.yaml")
    if os.path.exists(path):
        return path
    raise UsageError("no policy: pass --policy FILE (policies/default.policy.yaml is not in this directory)")


def _registry() -> Any:
    from hook.core.registry import RegistryError, default_registry

    try:
        return default_registry()
    except RegistryError as exc:
        raise UsageError(f"rule plugins: {exc}") from exc


def _today(value: str | None) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"--today {value!r} is not a date (YYYY-MM-DD)") from exc


def cmd_check(args: argparse.Namespace) -> int:
    """Parse the files into targets, call the pipeline once, render the verdict."""
    from hook.core.pipeline import Invocation, local_pipeline
    from hook.inputs.yamlcfn import Locator

    locator = Locator()
    pipeline = local_pipeline(args.policy or _default_policy(), registry=_registry(), today=_today(args.today),
                              locator=locator, aws=args.aws, require_defaults=True)
    params: dict[str, str] = {}
    for item in args.param or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {item!r} must be Key=Value")
        params[key] = value
    from hook.cli.adapters import cdk

    assemblies, plain = cdk.split_assemblies(args.paths)  # cdk.out/ directories: read by their manifest
    files = find_templates(plain, ignore_non_templates=args.ignore_non_templates) if plain else []
    if not files and not assemblies and not args.ignore_non_templates:
        raise UsageError(f"no CloudFormation templates found in {' '.join(args.paths)}")
    loads: list[Any] = []
    for path in files:  # a template of a cloud assembly is read with what the manifest says of its stack
        loads.extend(cdk.load_assembly_template(path, locator=locator, region=args.region)
                     or [_load(path, args, params, locator)])
    for directory in assemblies:
        loads.extend(cdk.load_assembly(directory, locator=locator, region=args.region))
    files = list(dict.fromkeys([*files, *(str(x.file) for x in loads if getattr(x, "file", None))]))
    targets: list[Any] = []
    notes: list[str] = []
    requests: list[Any] = []
    for result in loads:
        notes.extend(f"{result.file}: {n}" for n in result.notes)
        targets.extend(result.targets)
        requests.extend(getattr(result, "requests", ()))
    verdict = pipeline.evaluate(targets, Invocation(notes=notes, requests=requests))
    out = _render(verdict, args.format, pipeline.registry, files, args)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(out)
    else:
        sys.stdout.write(out)
    return 1 if verdict.is_blocking else 0


def _load(path: str, args: argparse.Namespace, params: dict[str, str], locator: Any) -> Any:
    """One file's targets. A template the adapters trip over is that file's error (exit 2, one line
    naming it), not a traceback; GOVHOOK_DEBUG=1 shows the traceback for a bug report."""
    from hook.core.errors import TemplateError

    try:
        if os.path.basename(path) in ("serverless.yml", "serverless.yaml"):
            from hook.cli.adapters.serverless import load_serverless

            options = {**params, **({"stage": args.stage} if args.stage else {}),
                       **({"region": args.region} if args.region else {})}
            return load_serverless(path, stack_name=args.stack_name, options=options, locator=locator)
        from hook.cli.adapters.template import load_targets

        try:
            return load_targets(path, stack_name=args.stack_name, parameters=params, locator=locator,
                                **({"region": args.region} if args.region else {}))
        except TemplateError as exc:
            raise _with_line(exc, locator) from exc
    except (GovhookError, OSError, MemoryError):
        raise
    except Exception as exc:
        if os.environ.get("GOVHOOK_DEBUG"):
            raise
        if isinstance(exc, RecursionError):
            raise TemplateError("the template is nested too deeply to read", path) from exc
        raise TemplateError(f"govhook could not read this template ({type(exc).__name__}: {exc}); "
                            "please report it with the template (GOVHOOK_DEBUG=1 shows where)", path) from exc


def _with_line(exc: Any, locator: Any) -> Any:
    """The error with the line of what it points at ('resource Fn has no Type' names Fn's line)."""
    from hook.core.errors import TemplateError

    if exc.line is not None or not exc.file or exc.pointer is None:
        return exc
    found = locator.locate(exc.file, exc.pointer)
    if found is None:
        return TemplateError(exc.message, exc.file, 1, 1)
    return TemplateError(exc.message, exc.file, found.line, found.column)


def _render(verdict: Any, fmt: str, registry: Any, files: list[str], args: argparse.Namespace) -> str:
    if fmt == "json":
        from hook.cli.render.json_report import render as rjson

        return rjson(verdict, files=files)
    if fmt == "sarif":
        from hook.cli.render.sarif import render as rsarif

        return rsarif(verdict, registry)
    if fmt == "junit":
        from hook.cli.render.junit import render as rjunit

        return rjunit(verdict, files=files)
    from hook.cli.render.text import render as rtext

    color = not args.no_color and not args.output and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return rtext(verdict, color=color, files=files)


def cmd_rules(args: argparse.Namespace) -> int:
    from hook.cli import docs

    registry = _registry()
    sys.stdout.write(docs.markdown(registry) if args.format == "markdown" else docs.table(registry))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    import difflib

    from hook.cli import docs

    registry = _registry()
    rule = registry.get(args.rule)
    if rule is None:
        close = difflib.get_close_matches(args.rule, registry.all_names(), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else "; `govhook rules` lists them"
        raise UsageError(f"unknown rule '{args.rule}'{hint}")
    sys.stdout.write(docs.explain(rule, registry))
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    if args.policy_command == "schema":
        import json

        from hook.core.policy import policy_schema

        sys.stdout.write(json.dumps(policy_schema(), indent=2) + "\n")
        return 0
    from hook.core.policy import validate_files

    registry = _registry()
    bad = 0
    for rep in validate_files(args.files, registry, today=_today(args.today)):
        for issue in rep.errors:
            print(f"{issue}", file=sys.stderr)
        for issue in rep.warnings:
            print(f"{issue} (warning)", file=sys.stderr)
        if rep.errors:
            bad += 1
            print(f"{rep.source}: INVALID ({len(rep.errors)} error(s), {len(rep.warnings)} warning(s))")
        else:
            rules = len(rep.policy.rules) if rep.policy else 0
            print(f"{rep.source}: valid ({rules} rules, {len(rep.warnings)} warning(s))")
    return 2 if bad else 0


def cmd_test(args: argparse.Namespace) -> int:
    from hook.testing import run_paths

    registry = _registry()
    passed = failed = 0
    for result in run_paths(args.paths or [os.path.join("tests", "cases")], registry):
        if result.ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {result.file}: {result.rule_id} :: {result.name}")
            for problem in result.problems:
                print(f"     {problem}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def cmd_replay(args: argparse.Namespace) -> int:
    import json

    from hook.cli.replay import replay

    response = replay(args.event, payload_path=args.payload, policy_path=args.policy, aws=args.aws)
    sys.stdout.write(json.dumps(response, indent=2) + "\n")
    return 0 if response.get("hookStatus") == "SUCCESS" else 1


def cmd_results(args: argparse.Namespace) -> int:
    """Exit 1 when a hook failed the stack's latest operation (or the change set) with failure mode FAIL."""
    from hook.cli.render.results import render_json, render_text
    from hook.cli.results import fetch, make_client

    cfn = make_client(args.region, args.profile)
    report = fetch(cfn, args.stack, change_set=args.change_set, everything=args.all)
    if args.format == "json":
        sys.stdout.write(render_json(report))
    else:
        sys.stdout.write(render_text(report, show_passed_rules=args.all))
    return 1 if report.blocked else 0


def build_parser() -> argparse.ArgumentParser:
    from hook import __version__

    parser = argparse.ArgumentParser(prog="govhook", description="Lambda governance: the CloudFormation hook's verdict, locally.")
    parser.add_argument("--version", action="version", version=f"govhook {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="check templates against a policy (exit 1 when a deploy would be blocked)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="template files, directories or globs")
    check.add_argument("--policy", help="policy file (default: policies/default.policy.yaml)")
    check.add_argument("--format", choices=("text", "json", "sarif", "junit"), default="text")
    check.add_argument("--output", help="write the report to this file")
    check.add_argument("--param", action="append", metavar="KEY=VALUE", help="template parameter value; for serverless.yml a ${param:KEY}/${opt:KEY} value (repeatable)")
    check.add_argument("--stack-name", help="stack name for scoping and exemptions (default: the file name; <service>-<stage> for serverless.yml)")
    check.add_argument("--stage", help="Serverless Framework stage (default: provider.stage, else dev)")
    check.add_argument("--region", help="AWS::Region for conditions, ARNs and Fn::GetAZs (default: us-east-1; "
                                        "serverless.yml: provider.region)")
    check.add_argument("--aws", action="store_true", help="read SSM values and account facts from AWS")
    check.add_argument("--no-color", action="store_true")
    check.add_argument("--ignore-non-templates", action="store_true", help="skip named files that are not templates")
    check.add_argument("--today", help=argparse.SUPPRESS)
    check.set_defaults(func=cmd_check)

    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("--format", choices=("table", "markdown"), default="table")
    rules.set_defaults(func=cmd_rules)

    explain = sub.add_parser("explain", help="explain one rule")
    explain.add_argument("rule")
    explain.set_defaults(func=cmd_explain)

    policy = sub.add_parser("policy", help="policy files")
    psub = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    validate = psub.add_parser("validate", help="validate policy files (every error, with line)")
    validate.add_argument("files", nargs="+")
    validate.add_argument("--today", help=argparse.SUPPRESS)
    psub.add_parser("schema", help="print the policy JSON Schema (for editors)")
    policy.set_defaults(func=cmd_policy)

    test = sub.add_parser("test", help="run YAML rule case files")
    test.add_argument("paths", nargs="*")
    test.set_defaults(func=cmd_test)

    replay = sub.add_parser("replay", help="run the real handler on a captured hook event")
    replay.add_argument("event")
    replay.add_argument("--payload", help="file standing in for the presigned payload URL")
    replay.add_argument("--policy")
    replay.add_argument("--aws", action="store_true", help="read SSM values and account facts from AWS")
    replay.set_defaults(func=cmd_replay)

    results = sub.add_parser(
        "results", help="why was my deploy blocked? the hook's verdict read back from CloudFormation",
        epilog="exit 0: not blocked (warnings only, or no hook results); 1: a hook invocation of the latest "
               "operation (or of the change set) FAILED with failure mode FAIL; 2: the results could not be read")
    results.add_argument("stack", metavar="STACK", help="stack name or stack id (ARN; needed for a deleted stack)")
    results.add_argument("--change-set", metavar="NAME", help="the hook results of this change set (name or ARN)")
    results.add_argument("--region", metavar="R")
    results.add_argument("--profile", metavar="P")
    results.add_argument("--format", choices=("text", "json"), default="text")
    results.add_argument("--all", action="store_true",
                         help="the whole event history, passed invocations and passed rules too")
    results.set_defaults(func=cmd_results)

    return parser


def _run(args: argparse.Namespace) -> int:
    """Run the command with fewer garbage-collector passes.

    A check allocates hundreds of thousands of objects that live until the report is written (the
    YAML node tree with its marks, targets, findings) and leaves almost no cyclic garbage. With the
    default gen-0 threshold (2,000 allocations) the collector walks them dozens of times: about 5%
    of a 500-function check. The previous thresholds come back when the command returns.
    """
    import gc

    previous = gc.get_threshold()
    gc.set_threshold(100_000, *previous[1:])
    try:
        return int(args.func(args))
    finally:
        gc.set_threshold(*previous)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except GovhookError as exc:  # every user-facing error: one line, exit 2
        print(f"govhook: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"govhook: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

