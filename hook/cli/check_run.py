"""``govhook check`` over many files: the result cache, then the files left, on all cores.

Each file is parsed and evaluated on its own (``pipeline.evaluate`` with that file's targets and
adapter notes) and the verdicts are combined in file order (``hook.core.pipeline.combine``): the
same report from one job or many, from the cache or not. A file that cannot be read stops the run
with its error, the first in file order, as a serial run would.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from hook.core.model import Verdict

__all__ = ["run_check"]

_SAM_MARK = b"AWS::Serverless"


def _options(args: argparse.Namespace, params: Mapping[str, str], today: date | None) -> dict[str, Any]:
    return {
        "stack_name": args.stack_name, "params": sorted(params.items()), "stage": args.stage,
        "region": args.region, "today": (today or date.today()).isoformat(),
    }


def _cache_enabled(args: argparse.Namespace) -> bool:
    if getattr(args, "no_cache", False) or args.aws:  # live lookups are never cached
        return False
    return os.environ.get("GOVHOOK_NO_CACHE", "") in ("", "0")


def run_check(files: Sequence[str], *, policy_path: str, args: argparse.Namespace, params: dict[str, str],
              today: date | None, registry: Callable[[], Any],
              load: Callable[[str, argparse.Namespace, dict[str, str], Any], Any]) -> Verdict:
    from hook.core.pipeline import combine

    cache = None
    keys: list[str | None] = [None] * len(files)
    verdicts: list[Verdict | None] = [None] * len(files)
    if _cache_enabled(args):
        from hook.cli.cache import ResultCache

        cache = ResultCache.for_run(policy_path=policy_path,
                                    options=_options(args, params, today))
        keys = cache.keys(files)
        for i, key in enumerate(keys):
            hit = cache.get(key)
            if isinstance(hit, Verdict):
                verdicts[i] = hit
    todo = [i for i, v in enumerate(verdicts) if v is None]
    if todo:
        paths = [files[i] for i in todo]
        for i, result in zip(todo, _evaluate(paths, policy_path, args, params, today, registry, load), strict=True):
            if isinstance(result, BaseException):
                raise result
            verdicts[i] = result
            if cache is not None:
                cache.put(keys[i], result)
    return combine([v for v in verdicts if v is not None])


def _evaluate(paths: list[str], policy_path: str, args: argparse.Namespace, params: dict[str, str],
              today: date | None, registry: Callable[[], Any],
              load: Callable[[str, argparse.Namespace, dict[str, str], Any], Any]) -> list[Any]:
    from hook.cli.parallel import default_jobs, map_files, should_fork
    from hook.core.pipeline import Invocation, local_pipeline
    from hook.inputs.yamlcfn import Locator

    locator = Locator()
    pipeline = local_pipeline(policy_path, registry=registry(), today=today, locator=locator, aws=args.aws,
                              require_defaults=True)

    def one(path: str) -> Verdict:
        result = load(path, args, params, locator)
        verdict: Verdict = pipeline.evaluate(result.targets, Invocation(notes=[f"{path}: {n}" for n in result.notes]))
        return verdict

    jobs = args.jobs if getattr(args, "jobs", None) else default_jobs()
    sam = _sam_files(paths) if jobs > 1 else 0
    if not should_fork(jobs, len(paths), sam):
        jobs = 1
    else:
        _preload(paths, sam)
    return map_files(one, paths, jobs)


def _sam_files(paths: Sequence[str]) -> int:
    count = 0
    for path in paths:
        try:
            with open(path, "rb") as fh:
                count += _SAM_MARK in fh.read()
        except OSError:
            pass
    return count


def _preload(paths: Sequence[str], sam: int) -> None:
    """Import in the parent what the workers need, so each forked worker has it for free."""
    import hook.cli.adapters.template

    if any(os.path.basename(p) in ("serverless.yml", "serverless.yaml") for p in paths):
        import hook.cli.adapters.serverless  # noqa: F401
    if sam:
        from hook.cli.adapters.sam_fast import sam_api

        sam_api()
