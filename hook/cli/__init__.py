"""govhook: the hook's own verdict on your templates, before you deploy.

Exit codes: 0 nothing blocking, 1 blocking findings, 2 usage or input error (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from hook.core.errors import GovhookError


class UsageError(GovhookError):
    """Bad arguments or input: exit 2 with one line."""


def find_templates(paths: list[str], *, ignore_non_templates: bool) -> list[str]:
    """The template files under ``paths`` (the first input error raises; ``check`` reports them all)."""
    from hook.cli.files import find_templates as find

    found = find(paths, ignore_non_templates=ignore_non_templates)
    if found.errors:
        raise UsageError(str(found.errors[0]))
    return found.files


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
    """Every input gets its verdict: an input that cannot be read or parsed is reported (one line on
    stderr, and in the JSON/SARIF/JUnit report) and the others are still checked; exit 2 then."""
    from hook.cli.run_cache import prepare

    # A repeated run on unchanged files: its report from the result cache, before anything is loaded.
    prepared = prepare(args)
    if prepared is not None and prepared.hit is not None:
        return prepared.replay(args)
    from hook.cli.discovery import choose_policy
    from hook.cli.files import find_templates as find
    from hook.core.errors import InputError
    from hook.core.pipeline import Invocation, Options, Pipeline, combine
    from hook.core.policy import load_policy, parse_policy
    from hook.inputs.locations import Locator

    registry = _registry()
    today = _today(args.today)
    choice = prepared.choice if prepared is not None else choose_policy(args.policy, args.paths)
    # AWS first: a policy in SSM or S3 is read through the --profile/--region session too.
    values: Any = None
    account: Any = None
    if args.aws:
        from hook.cli.aws import AwsOptionsError, aws_sources

        try:
            values, account, aws_region = aws_sources(args.region, args.profile)
        except AwsOptionsError as exc:
            raise UsageError(str(exc)) from exc
        args.region = args.region or aws_region
    elif args.profile:
        raise UsageError("--profile is used only with --aws (SSM values and account facts from AWS)")
    if choice.text is not None:
        policy = parse_policy(choice.text, choice.location, registry, today=today)
    elif choice.location.startswith(("ssm:", "s3://")):
        if not args.aws:
            raise UsageError(f"{choice.origin}={choice.location} is read from AWS: run with --aws, or name a file")
        from hook.sources import get_policy

        policy = get_policy(choice.location, registry)[0]
    else:
        policy = load_policy(choice.location, registry, today=today)
    params: dict[str, str] = {}
    for item in args.param or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {item!r} must be Key=Value")
        params[key] = value
    if not args.aws:
        for rule_id, name, ref in policy.value_refs():
            if not ref.has_default:
                raise UsageError(
                    f"{policy.source}: rule {rule_id} parameter '{name}' comes from ssm:{ref.ssm} with no default; "
                    "add a default or run with --aws"
                )
    baseline = _baseline(args)
    from hook.cli.adapters import cdk

    assemblies, plain = cdk.split_assemblies(args.paths)  # cdk.out/ directories: read by their manifest
    found = prepared.found if prepared is not None else find(plain, ignore_non_templates=args.ignore_non_templates)
    errors: list[InputError] = list(found.errors)
    if not found.files and not errors and not assemblies and not args.ignore_non_templates:
        raise UsageError(f"no CloudFormation templates found in {' '.join(args.paths)}")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: must be at least 1")
    locator = Locator()
    pipeline = Pipeline(registry, policy, values, account, Options(today=today, locator=locator))
    # Each file on its own (on all cores, or from the result cache: hook/cli/check_run.py), the
    # verdicts combined in file order; the discovery notes first.
    from hook.cli.cache import policy_identity
    from hook.cli.check_run import run_check

    # A template of a CDK cloud assembly is read with its manifest (stack name, environment, nested
    # stacks, construct paths, acknowledgements), never from the result cache: the manifest changes
    # what the template alone says.
    assembly_files = [p for p in found.files if cdk.assembly_of_template(p)]
    files = [p for p in found.files if p not in assembly_files]
    results = run_check(files, policy_identity=policy_identity(choice.location, choice.origin, choice.text),
                        pipeline=pipeline, args=args, params=params, today=today, load=_load, prepared=prepared)
    checked = [path for path, r in zip(files, results, strict=True) if not isinstance(r, InputError)]
    errors.extend(r for r in results if isinstance(r, InputError))
    verdicts = [r for r in results if not isinstance(r, InputError)]
    for path, whole in [(p, False) for p in assembly_files] + [(d, True) for d in assemblies]:
        try:
            stacks = (cdk.load_assembly if whole else cdk.load_assembly_template)(path, locator=locator,
                                                                                   region=args.region)
        except InputError as exc:
            errors.append(exc)
            continue
        except OSError as exc:
            errors.append(InputError(exc.strerror or str(exc), path))
            continue
        for stack in stacks:
            checked.append(stack.file)
            verdicts.append(pipeline.evaluate(stack.targets, Invocation(
                notes=[f"{stack.file}: {n}" for n in stack.notes], requests=stack.requests)))
    verdict = combine(verdicts, notes=found.notes)
    errors = found.in_order(errors)
    for err in errors:
        print(f"govhook: error: {err}", file=sys.stderr)
    if args.write_baseline:
        from hook.cli.baseline import write_baseline

        n = write_baseline(args.write_baseline, verdict.findings)
        print(f"govhook: wrote {n} finding(s) to the baseline {args.write_baseline}", file=sys.stderr)
    known = baseline.holds(verdict) if baseline is not None else None
    out = None
    if checked or args.format != "text" or not errors:
        out = _render(verdict, args.format, pipeline.registry, checked, args, policy=choice, input_errors=errors,
                      baselined=known)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(out)
        else:
            sys.stdout.write(out)
    if errors:
        return 2
    if known is not None:
        code = 1 if any(f.disposition.value == "blocking" and not known(f) for f in verdict.findings) else 0
    else:
        code = 1 if verdict.is_blocking else 0
    if prepared is not None and out is not None:
        prepared.store(code, out)
    return code


def _baseline(args: argparse.Namespace) -> Any:
    if not args.baseline:
        return None
    from hook.cli.baseline import Baseline

    return Baseline.load(args.baseline)


def _load(path: str, args: argparse.Namespace, params: dict[str, str], locator: Any) -> Any:
    """One file's targets. A template the adapters trip over is that file's error (exit 2, one line
    naming it), not a traceback; GOVHOOK_DEBUG=1 shows the traceback for a bug report."""
    from hook.core.errors import TemplateError

    try:
        from hook.cli.adapters.detect import is_serverless_service

        if is_serverless_service(path):
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


def _render(verdict: Any, fmt: str, registry: Any, files: list[str], args: argparse.Namespace, *,
            policy: Any, input_errors: list[Any], baselined: Any) -> str:
    baseline_file = args.baseline or None
    if fmt == "json":
        from hook.cli.render.json_report import render as rjson

        return rjson(verdict, files=files, policy=policy.to_dict(), input_errors=input_errors,
                     baselined=baselined, baseline_file=baseline_file)
    if fmt == "sarif":
        from hook.cli.render.sarif import render as rsarif

        return rsarif(verdict, registry, input_errors=input_errors, baselined=baselined, policy=policy.to_dict())
    if fmt == "junit":
        from hook.cli.render.junit import render as rjunit

        return rjunit(verdict, files=files, input_errors=input_errors, baselined=baselined)
    from hook.cli.render.text import render as rtext
    from hook.cli.run_cache import report_color

    color = report_color(args)
    return rtext(verdict, color=color, files=files, verbose=args.verbose, policy=policy.describe(),
                 input_errors=input_errors, baselined=baselined, baseline_file=baseline_file)


def cmd_rules(args: argparse.Namespace) -> int:
    from hook.cli import docs

    registry = _registry()
    if args.pack:
        from hook.core.registry import Registry

        only = Registry()
        for rule in registry:
            if registry.pack_of(rule.id) == args.pack:
                only.add(rule, args.pack)
        if not len(only):
            raise UsageError(f"--pack {args.pack}: no rules from a pack of that name are installed")
        registry = only
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


def cmd_would_block(args: argparse.Namespace) -> int:
    """Exit 1 when FAIL would have blocked something in the window, 0 when nothing, 2 when unreadable."""
    import json as _json
    from datetime import UTC, datetime

    from hook.cli.results import ResultsError, make_client
    from hook.cli.rollout import hook_arns, parse_since, render_text, would_block

    try:
        now = datetime.now(UTC)
        since = parse_since(args.since, now)
        until = parse_since(args.until, now) if args.until else now
        cfn = make_client(args.region, args.profile)
        arns = args.hook_arn or hook_arns(cfn, args.stack_name)
        report = would_block(cfn, arns, since, until)
    except ResultsError as exc:
        raise UsageError(str(exc)) from exc
    if args.format == "json":
        sys.stdout.write(_json.dumps(report.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return 1 if report.groups else 0


def build_parser() -> argparse.ArgumentParser:
    from hook import __version__

    parser = argparse.ArgumentParser(prog="govhook", description="Lambda governance: the CloudFormation hook's verdict, locally.")
    parser.add_argument("--version", action="version", version=f"govhook {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser(
        "check", help="check templates against a policy (exit 1 when a deploy would be blocked)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="policy, first found: --policy; GOVHOOK_POLICY; .govhook.yaml or pyproject.toml [tool.govhook],\n"
               "  searched upwards from the checked paths; the default policy shipped in the package.\n"
               "exit codes: 0 nothing blocking; 1 a deploy would be blocked (with --baseline: by a finding\n"
               "  not in the baseline); 2 bad usage, or an input that could not be checked (named on stderr,\n"
               "  the other inputs are still checked and reported).")
    check.add_argument("paths", nargs="+", metavar="PATH", help="template files, directories or globs")
    check.add_argument("--policy", metavar="FILE", help="policy file (default: see below)")
    check.add_argument("--format", choices=("text", "json", "sarif", "junit"), default="text",
                       help="report format (default: text; json always has every finding, skips and passes too)")
    check.add_argument("--output", metavar="FILE", help="write the report to this file")
    check.add_argument("-v", "--verbose", action="store_true",
                       help="text: also every skip with its reason, passed rules and baselined findings")
    check.add_argument("--param", action="append", metavar="KEY=VALUE", help="template parameter value; for serverless.yml a ${param:KEY}/${opt:KEY} value (repeatable)")
    check.add_argument("--stack-name", help="stack name for scoping and exemptions (default: the file name; <service>-<stage> for serverless.yml)")
    check.add_argument("--stage", help="Serverless Framework stage (default: provider.stage, else dev)")
    check.add_argument("--region", metavar="REGION",
                       help="one option for both: the template's AWS::Region (conditions, ARNs, Fn::GetAZs) and, with "
                            "--aws, the Region of every AWS call (default: AWS_REGION or the profile's Region with "
                            "--aws; else us-east-1, for serverless.yml provider.region)")
    check.add_argument("--aws", action="store_true", help="read SSM values and account facts from AWS")
    check.add_argument("--profile", metavar="PROFILE", help="with --aws: the AWS CLI profile to use (as aws --profile)")
    check.add_argument("--baseline", metavar="FILE",
                       help="fail only on blocking findings not in this baseline (they are still reported)")
    check.add_argument("--write-baseline", metavar="FILE",
                       help="write today's failing findings to FILE, as the baseline of later runs")
    check.add_argument("--no-color", action="store_true", help="no ANSI colours (also when NO_COLOR is set or not a terminal)")
    check.add_argument("--ignore-non-templates", action="store_true", help="skip named files that are not templates")
    check.add_argument("--jobs", "-j", type=int, metavar="N",
                       help="check files in N processes (default: GOVHOOK_JOBS, else the machine's cores; 1: in this process)")
    check.add_argument("--no-cache", action="store_true",
                       help="do not read or write the result cache ($XDG_CACHE_HOME/govhook, else ~/.cache/govhook)")
    check.add_argument("--today", help=argparse.SUPPRESS)
    check.set_defaults(func=cmd_check)

    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("--format", choices=("table", "markdown"), default="table",
                       help="table (default) or markdown (docs/rules.md is generated from it)")
    rules.add_argument("--pack", metavar="NAME",
                       help="only the rules of this pack (its entry-point name: 'lambda' is govhook's own)")
    rules.set_defaults(func=cmd_rules)

    explain = sub.add_parser("explain", help="explain one rule")
    explain.add_argument("rule", help="a rule id, e.g. lambda.runtime-allowed")
    explain.set_defaults(func=cmd_explain)

    policy = sub.add_parser("policy", help="policy files")
    psub = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    validate = psub.add_parser("validate", help="validate policy files (every error, with line)")
    validate.add_argument("files", nargs="+", metavar="FILE", help="policy files")
    validate.add_argument("--today", help=argparse.SUPPRESS)
    psub.add_parser("schema", help="print the policy JSON Schema (for editors)")
    policy.set_defaults(func=cmd_policy)

    test = sub.add_parser("test", help="run YAML rule case files")
    test.add_argument("paths", nargs="*", metavar="CASES", help="case files or folders (default: tests/cases)")
    test.set_defaults(func=cmd_test)

    replay = sub.add_parser(
        "replay", help="run the real handler on a captured hook event",
        epilog="exit 0: SUCCESS; 1: FAILED (the response is printed); 2: the event or payload cannot be used")
    replay.add_argument("event", metavar="EVENT.json", help="a hook invocation event, as CloudFormation sends it")
    replay.add_argument("--payload", metavar="FILE",
                        help="STACK and CHANGE_SET events: the file standing in for the presigned payload URL")
    replay.add_argument("--policy", metavar="FILE", help="policy file (default: GOVHOOK_POLICY, else the bundled default)")
    replay.add_argument("--aws", action="store_true", help="read SSM values and account facts from AWS")
    replay.set_defaults(func=cmd_replay)

    results = sub.add_parser(
        "results", help="why was my deploy blocked? the hook's verdict read back from CloudFormation",
        epilog="exit 0: not blocked (warnings only, or no hook results); 1: a hook invocation of the latest "
               "operation (or of the change set) FAILED with failure mode FAIL; 2: the results could not be read")
    results.add_argument("stack", metavar="STACK", help="stack name or stack id (ARN; needed for a deleted stack)")
    results.add_argument("--change-set", metavar="NAME", help="the hook results of this change set (name or ARN)")
    results.add_argument("--region", metavar="R", help="the stack's Region (default: AWS_REGION, or the profile's)")
    results.add_argument("--profile", metavar="P", help="the AWS CLI profile to use")
    results.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    results.add_argument("--all", action="store_true",
                         help="the whole event history, passed invocations and passed rules too")
    results.set_defaults(func=cmd_results)

    wb = sub.add_parser(
        "would-block", help="before switching the hooks from WARN to FAIL: what FAIL would have blocked, by stack and rule",
        epilog="exit 0: nothing failed under WARN in the window; 1: FAIL would have blocked something; "
               "2: the results could not be read")
    wb.add_argument("--since", default="14d", metavar="WHEN", help="14d, 36h, 90m or an ISO date (default: 14d)")
    wb.add_argument("--until", metavar="WHEN", help="end of the window (default: now)")
    wb.add_argument("--stack-name", default="govhook", metavar="NAME",
                    help="the governance stack whose HookArn/TemplateHookArn outputs name the hooks (default: govhook)")
    wb.add_argument("--hook-arn", action="append", metavar="ARN", help="a hook type ARN (repeatable; instead of --stack-name)")
    wb.add_argument("--region", metavar="R")
    wb.add_argument("--profile", metavar="P")
    wb.add_argument("--format", choices=("text", "json"), default="text")
    wb.set_defaults(func=cmd_would_block)

    return parser


def _run(args: argparse.Namespace) -> int:
    """Run the command with fewer garbage-collector passes (its heap is live data until the report
    is written; see :mod:`hook.core.gc_tuning`)."""
    from hook.core.gc_tuning import fewer_collections

    with fewer_collections():
        return int(args.func(args))


def main(argv: list[str] | None = None) -> int:
    from hook.core.gc_tuning import freeze_at_exit

    freeze_at_exit()
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

