"""A repeated ``govhook check`` answered from the result cache as a whole: one read, the same bytes.

A pre-commit hook or a watch loop runs the same check on the same files again and again. Before
the policy, the rule catalogue or any adapter is loaded, :func:`prepare` finds the files exactly as
the check does, hashes them and looks up a run entry (``hook.cli.cache``) whose key covers:

- everything a file's verdict depends on (``ResultCache.for_run``: govhook's code, the rule packs,
  the policy's location and content, the options that change results, the date);
- every file found, in order: its path and content (each file's key);
- what shapes the report: every command-line option but ``--jobs`` and ``--no-cache``, whether
  it is coloured, the baseline file's content, the notes of the directory walk, the working
  directory and how the policy is named (paths are shown relative to it).

On a hit the stored report is written as the run wrote it and its exit code returned. On a miss the
check runs as always (the files found and their keys are reused, the per-file entries answer for
the unchanged files) and :meth:`Prepared.store` keeps its report, unless the run had input errors
or ``--write-baseline``, or a file changed while it ran. A run that involves a CDK cloud assembly
(a ``manifest.json`` beside a file or in a named directory: the manifest shapes the verdict) or
a file that reads another (``cache.reads_other_files``) is never stored whole.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["Prepared", "prepare", "report_color"]

#: Options that do not change the report (results are the same with any number of jobs).
_NOT_IN_REPORT = frozenset({"func", "jobs", "no_cache"})


def report_color(args: argparse.Namespace) -> bool:
    """Whether the text report is coloured: a terminal, and neither ``--no-color``, ``--output`` nor
    ``NO_COLOR``."""
    return not args.no_color and not args.output and sys.stdout.isatty() and "NO_COLOR" not in os.environ


class Prepared:
    """What :func:`prepare` found: the policy choice, the files, the cache and each file's key, the
    run's key, and the stored report when there is one (``hit``: exit code and text)."""

    def __init__(self, choice: Any, found: Any, cache: Any, keys: list[str | None], run_key: str | None,
                 hit: tuple[int, str] | None) -> None:
        self.choice = choice
        self.found = found
        self.cache = cache
        self.keys = keys
        self.run_key = run_key
        self.hit = hit

    def replay(self, args: argparse.Namespace) -> int:
        """Write the stored report where the run wrote it; its exit code."""
        assert self.hit is not None
        code, text = self.hit
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        return code

    def store(self, code: int, text: str) -> None:
        """Keep this run's report, if every file is as it was when the run started."""
        if self.run_key is None or self.cache.keys(self.found.files) != self.keys:
            return
        self.cache.put_run(self.run_key, code, text)


def prepare(args: argparse.Namespace) -> Prepared | None:
    """The files and keys of this run, and its stored report if any; ``None`` when the cache is off
    or this run cannot use it (``--aws``, a policy in SSM or S3, an input the check will refuse)."""
    from datetime import date

    from hook.cli.cache import ResultCache, policy_identity
    from hook.cli.check_run import _cache_enabled, _options
    from hook.cli.discovery import choose_policy
    from hook.cli.files import find_templates
    from hook.core.errors import GovhookError

    if not _cache_enabled(args) or args.profile:
        return None
    try:
        today = date.fromisoformat(args.today) if args.today is not None else None
        params = _params(args.param)
        choice = choose_policy(args.policy, args.paths)
        if choice.location.startswith(("ssm:", "s3://")) or params is None:
            return None
        if any(os.path.isfile(os.path.join(p, "manifest.json")) for p in args.paths):
            return None  # a CDK cloud assembly, maybe: read by its manifest
        found = find_templates(args.paths, ignore_non_templates=args.ignore_non_templates)
    except (GovhookError, OSError, ValueError):
        return None  # the check reports it
    cache = ResultCache.for_run(policy=policy_identity(choice.location, choice.origin, choice.text),
                                options=_options(args, params, today))
    files = found.files
    keys = cache.keys(files)
    run_key = None
    assembly = any(os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(p)), "manifest.json")) for p in files)
    if files and not found.errors and not args.write_baseline and not assembly and None not in keys:
        # the working directory: reports name files and the policy relative to it
        report = repr((sorted((k, v) for k, v in vars(args).items() if k not in _NOT_IN_REPORT),
                       report_color(args), found.notes, _baseline_digest(args.baseline), os.getcwd(),
                       choice.shown, choice.describe()))
        run_key = cache.run_key(report.encode("utf-8", "surrogateescape"), [k for k in keys if k is not None])
    hit = cache.get_run(run_key) if run_key is not None else None
    return Prepared(choice, found, cache, keys, run_key, hit)


def _params(items: list[str] | None) -> dict[str, str] | None:
    """``--param`` as the check reads it; ``None`` when one is malformed (the check says so)."""
    params: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            return None
        params[key] = value
    return params


def _baseline_digest(path: str | None) -> bytes:
    if not path:
        return b""
    from hook.cli.cache import _file_digest

    return _file_digest(path)
