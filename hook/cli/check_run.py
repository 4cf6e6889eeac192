"""``govhook check`` over many files: the result cache, then the files left, on all cores.

Each file is parsed and evaluated on its own (``pipeline.evaluate`` with that file's targets and
adapter notes) and the verdicts are combined in file order (``hook.core.pipeline.combine``): the
same report from one job or many, from the cache or not. A file that cannot be read is that file's
input error, in its place; the others are still checked.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from hook.core.errors import InputError

if TYPE_CHECKING:
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
    if os.environ.get("GOVHOOK_RUNTIMES", "").strip():  # lifecycle data read from elsewhere, maybe live
        return False
    return os.environ.get("GOVHOOK_NO_CACHE", "") in ("", "0")


def run_check(files: Sequence[str], *, policy_identity: bytes, pipeline: Any, args: argparse.Namespace,
              params: dict[str, str], today: date | None,
              load: Callable[[str, argparse.Namespace, dict[str, str], Any], Any],
              prepared: Any = None) -> list[Verdict | InputError]:
    """Each file's verdict, or the input error that stopped it, in file order. ``prepared``: the
    cache and file keys ``hook.cli.run_cache.prepare`` already computed for this run."""
    from hook.core.model import Verdict

    cache = None
    keys: list[str | None] = [None] * len(files)
    results: list[Verdict | InputError | None] = [None] * len(files)
    if prepared is not None:
        cache = prepared.cache
        known = dict(zip(prepared.found.files, prepared.keys, strict=True))
        keys = [known.get(f) for f in files]
    elif _cache_enabled(args):
        from hook.cli.cache import ResultCache

        cache = ResultCache.for_run(policy=policy_identity, options=_options(args, params, today))
        keys = cache.keys(files)
    if cache is not None:
        for i, key in enumerate(keys):
            hit = cache.get(key)
            if isinstance(hit, Verdict):
                results[i] = hit
    todo = [i for i, v in enumerate(results) if v is None]
    if todo:
        paths = [files[i] for i in todo]
        for i, result in zip(todo, _evaluate(paths, pipeline, args, params, load), strict=True):
            if isinstance(result, OSError):
                result = InputError(result.strerror or str(result), files[i])
            if isinstance(result, BaseException) and not isinstance(result, InputError):
                raise result
            results[i] = result
            # stored only if the file is still what was hashed before it was read
            if cache is not None and isinstance(result, Verdict) and keys[i] is not None \
                    and cache.keys([files[i]]) == [keys[i]]:
                cache.put(keys[i], result)
    return [r for r in results if r is not None]


def _evaluate(paths: list[str], pipeline: Any, args: argparse.Namespace, params: dict[str, str],
              load: Callable[[str, argparse.Namespace, dict[str, str], Any], Any]) -> list[Any]:
    from hook.cli.parallel import default_jobs, map_files, should_fork
    from hook.core.pipeline import Invocation

    locator = pipeline.options.locator

    def one(path: str) -> Verdict:
        result = load(path, args, params, locator)
        verdict: Verdict = pipeline.evaluate(result.targets, Invocation(notes=[f"{path}: {n}" for n in result.notes]))
        return verdict

    jobs = args.jobs if getattr(args, "jobs", None) else default_jobs()
    if args.aws:
        jobs = 1  # one set of live SSM and account lookups, as before
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
