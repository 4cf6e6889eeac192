"""`govhook check --jobs N` and the result cache report exactly what a serial, uncached run reports."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from hook.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [*sorted((ROOT / "sample" / "templates").glob("*.yaml")), ROOT / "sample" / "lambda_template_memory.yml"]
POLICY = str(ROOT / "policies" / "default.policy.yaml")
FORMATS = ("text", "json", "sarif", "junit")


def _check(*argv: str) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["check", "--policy", POLICY, "--no-color", "--today", "2026-11-23", *argv])
    return code, buf.getvalue()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    # 24 templates (plain, SAM with Globals and AutoPublishAlias, container image) and a serverless.yml service
    root = tmp_path / "repo"
    for i in range(3):
        d = root / f"team{i}"
        d.mkdir(parents=True)
        for src in SAMPLES:
            shutil.copy(src, d / f"{src.stem}-{i}{src.suffix}")
    svc = root / "svc"
    svc.mkdir()
    shutil.copy(ROOT / "sample" / "serverless" / "serverless.yml", svc / "serverless.yml")
    return root


@pytest.fixture
def cache_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("GOVHOOK_NO_CACHE", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(directory))
    return directory / "govhook"


def _entries(directory: Path, kind: str = "v1") -> int:
    """Entries of one kind: ``v1`` a file's verdict, ``run1`` a whole run's report."""
    where = directory / kind
    return sum(1 for p in where.rglob("*") if p.is_file()) if where.exists() else 0


@pytest.fixture
def pool_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree is below the thresholds that keep a small run in one process: use the pool anyway."""
    import hook.cli.parallel as parallel

    monkeypatch.setattr(parallel, "MIN_FILES", 2)


@pytest.mark.parametrize("fmt", FORMATS)
def test_jobs_report_is_identical_to_a_serial_run(tree: Path, fmt: str, pool_always: None) -> None:
    # GIVEN a tree of 25 templates and services, some blocked
    # WHEN it is checked in this process and on two and three workers
    serial = _check("--jobs", "1", "--format", fmt, str(tree))
    two = _check("--jobs", "2", "--format", fmt, str(tree))
    three = _check("--jobs", "3", "--format", fmt, str(tree))
    # THEN the exit code and every byte of the report are the same
    assert serial[0] == 1
    assert two == serial
    assert three == serial


def test_jobs_report_bad_files_as_a_serial_run_does(tree: Path, pool_always: None) -> None:
    # GIVEN two broken templates among good ones
    (tree / "team1" / "a-broken.yaml").write_text("AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Fn: [\n")
    (tree / "team2" / "a-broken.yaml").write_text("AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Fn: {Type: 3\n")
    err_serial, err_two = io.StringIO(), io.StringIO()
    # WHEN checked serially and in parallel
    with contextlib.redirect_stderr(err_serial):
        code_serial = _check("--jobs", "1", str(tree))[0]
    with contextlib.redirect_stderr(err_two):
        code_two = _check("--jobs", "2", str(tree))[0]
    # THEN both exit 2 with the same errors, in the same order, and the same report of the others
    assert code_serial == code_two == 2
    assert err_two.getvalue() == err_serial.getvalue()
    assert "team1/a-broken.yaml:" in err_serial.getvalue()


@pytest.mark.parametrize("fmt", FORMATS)
def test_cached_report_is_identical_to_an_uncached_run(tree: Path, cache_on: Path, fmt: str) -> None:
    # GIVEN the report of an uncached run
    uncached = _check("--no-cache", "--format", fmt, str(tree))
    assert _entries(cache_on) == 0
    # WHEN the same tree is checked twice with the cache on
    first = _check("--format", fmt, str(tree))
    stored = _entries(cache_on)
    second = _check("--format", fmt, str(tree))
    # THEN one entry per file and one for the run are stored, the second run adds none, and all
    # three reports are equal
    assert stored == 25
    assert _entries(cache_on, "run1") == 1
    assert _entries(cache_on) == stored
    assert _entries(cache_on, "run1") == 1
    assert first == uncached
    assert second == uncached


def _edit_policy(tmp_path: Path) -> str:
    text = Path(POLICY).read_text()
    assert "nodejs22.x" in text
    policy = tmp_path / "edited.policy.yaml"
    policy.write_text(text)
    return str(policy)


def test_cache_is_invalidated_by_each_part_of_its_key(tree: Path, cache_on: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a warm cache
    target = tree / "team0" / "hello-compliant-0.yaml"
    base = _check(str(tree))
    count = _entries(cache_on)
    assert count == 25

    def misses(*argv: str, files: int = 25) -> None:
        nonlocal count
        # the cached run reports what an uncached run reports, and stores what it had to compute
        assert _check(*argv, str(tree)) == _check("--no-cache", *argv, str(tree))
        assert _entries(cache_on) == count + files
        count += files

    # WHEN one file changes THEN only that file is evaluated again, and its new verdict is reported
    target.write_text(target.read_text().replace("Runtime: nodejs22.x", "Runtime: nodejs18.x"))
    misses(files=1)
    assert f"{target}  BLOCKED" in _check(str(target))[1]
    # WHEN an option that changes results differs THEN every file is evaluated again
    misses("--stack-name", "other")
    misses("--param", "Stage=prod")
    misses("--region", "eu-west-1")
    misses("--stage", "prod")
    misses("--today", "2026-11-24")
    # WHEN the policy's content changes (same path) THEN every file is evaluated again
    policy = _edit_policy(tmp_path)
    assert _check("--policy", policy, str(tree))[0] == base[0]
    count = _entries(cache_on)
    Path(policy).write_text(Path(policy).read_text().replace("nodejs22.x", "nodejs18.x"))
    assert _check("--policy", policy, str(tree)) == _check("--no-cache", "--policy", policy, str(tree))
    assert _entries(cache_on) == count + 25
    count += 25
    # WHEN govhook's version changes THEN every file is evaluated again
    import hook

    monkeypatch.setattr(hook, "__version__", hook.__version__ + "+edited")
    misses()
    # WHEN a rule module's source differs THEN every file is evaluated again
    import hook.cli.cache as cache_module

    real = cache_module._file_digest
    monkeypatch.setattr(cache_module, "_file_digest",
                        lambda p: b"edited" if p.endswith("runtime_allowed.py") else real(p))
    misses()
    # WHEN --aws is given THEN the cache is neither read nor written
    from hook.cli.check_run import _cache_enabled

    assert not _cache_enabled(__import__("argparse").Namespace(no_cache=False, aws=True))
    assert _cache_enabled(__import__("argparse").Namespace(no_cache=False, aws=False))
    assert not _cache_enabled(__import__("argparse").Namespace(no_cache=True, aws=False))
    # WHEN the runtime lifecycle comes from GOVHOOK_RUNTIMES THEN the cache is not used either
    monkeypatch.setenv("GOVHOOK_RUNTIMES", "ssm:/lifecycle")
    assert not _cache_enabled(__import__("argparse").Namespace(no_cache=False, aws=False))


def test_unreadable_cache_entries_are_misses(tree: Path, cache_on: Path) -> None:
    # GIVEN a warm cache whose entries were torn
    expected = _check("--no-cache", str(tree))
    _check(str(tree))
    for p in cache_on.rglob("*"):
        if p.is_file():
            p.write_bytes(b"\x80garbage")
    # WHEN checked again THEN the report is the uncached one
    assert _check(str(tree)) == expected
    os.chmod(cache_on, 0o500)
    try:
        # AND a read-only cache directory only costs speed
        assert _check(str(tree)) == expected
    finally:
        os.chmod(cache_on, 0o700)


def _unloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, loading the rule catalogue or the policy fails the run: a run answered from its
    stored report never needs them."""
    import hook.cli
    import hook.core.policy

    def boom(*_: object, **__: object) -> None:
        raise AssertionError("loaded although the run's report was stored")

    monkeypatch.setattr(hook.cli, "_registry", boom)
    monkeypatch.setattr(hook.core.policy, "load_policy", boom)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_repeated_run_is_answered_whole_without_loading_the_policy(tree: Path, cache_on: Path, tmp_path: Path,
                                                                     fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an uncached serial run, and a cached run of the same tree (report to stdout and to a file)
    uncached = _check("--no-cache", "--jobs", "1", "--format", fmt, str(tree))
    out = tmp_path / "report.out"
    assert _check("--format", fmt, str(tree)) == uncached
    assert _check("--format", fmt, "--output", str(out), str(tree))[0] == uncached[0]
    written = out.read_text(encoding="utf-8")
    out.unlink()
    # WHEN both are run again, with neither the rules nor the policy loadable
    _unloaded(monkeypatch)
    again = _check("--format", fmt, str(tree))
    again_file = _check("--format", fmt, "--output", str(out), str(tree))
    # THEN the report and exit code are byte-identical to the uncached run, from the stored run
    assert again == uncached
    assert again_file == (uncached[0], "")
    assert out.read_text(encoding="utf-8") == written
    assert _entries(cache_on, "run1") == 2


def test_a_stored_run_is_not_used_when_anything_it_covers_changes(tree: Path, cache_on: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a stored run
    _check(str(tree))
    runs = _entries(cache_on, "run1")
    assert runs == 1

    def new_run(*argv: str, where: Path = tree) -> None:
        # the run is not answered from an earlier one: it reports what an uncached run reports and
        # stores a run entry of its own
        nonlocal runs
        assert _check(*argv, str(where)) == _check("--no-cache", *argv, str(where))
        assert _entries(cache_on, "run1") == runs + 1
        runs += 1

    # WHEN a file changes, is added or is removed
    target = tree / "team0" / "hello-compliant-0.yaml"
    target.write_text(target.read_text().replace("Runtime: nodejs22.x", "Runtime: nodejs18.x"))
    new_run()
    shutil.copy(target, tree / "team0" / "added.yaml")
    new_run()
    (tree / "team0" / "added.yaml").unlink()
    assert _check(str(tree)) == _check("--no-cache", str(tree))  # the run before the addition, again
    # WHEN the same paths are checked from another working directory (paths shown relative to it)
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    new_run()
    monkeypatch.chdir(ROOT)
    # WHEN an option of the report or of the results differs
    for argv in (["--format", "json"], ["-v"], ["--stack-name", "other"], ["--param", "Stage=prod"],
                 ["--region", "eu-west-1"], ["--stage", "prod"], ["--today", "2026-11-24"]):
        new_run(*argv)
    # WHEN the baseline file's content changes
    baseline = tmp_path / "baseline.json"
    _check("--no-cache", "--write-baseline", str(baseline), str(tree))
    new_run("--baseline", str(baseline))
    doc = json.loads(baseline.read_text())
    assert doc["findings"]
    doc["findings"] = doc["findings"][1:]
    baseline.write_text(json.dumps(doc))
    new_run("--baseline", str(baseline))
    # WHEN the policy's content changes (same path)
    policy = _edit_policy(tmp_path)
    new_run("--policy", policy)
    Path(policy).write_text(Path(policy).read_text().replace("nodejs22.x", "nodejs18.x"))
    new_run("--policy", policy)
    # WHEN govhook's version or a source file of it changes
    import hook
    import hook.cli.cache as cache_module

    monkeypatch.setattr(hook, "__version__", hook.__version__ + "+edited")
    new_run()
    real = cache_module._file_digest
    monkeypatch.setattr(cache_module, "_file_digest",
                        lambda p: b"edited" if p.endswith("runtime_allowed.py") else real(p))
    new_run()
    # WHEN a rule pack is installed (the govhook.rules entry point)
    import hook.core.entry_points as ep_module
    from hook.core.entry_points import EntryPoint

    scan = ep_module.scan_entry_points
    monkeypatch.setattr(ep_module, "scan_entry_points",
                        lambda group: [*scan(group), EntryPoint("extra", "json:loads")])
    new_run()


def test_a_run_with_input_errors_or_a_baseline_written_is_not_stored(tree: Path, cache_on: Path,
                                                                     tmp_path: Path) -> None:
    # GIVEN a broken template among good ones
    broken = tree / "team1" / "a-broken.yaml"
    broken.write_text("AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Fn: [\n")
    # WHEN checked with the cache on THEN the good files are cached, the run is not
    assert _check(str(tree))[0] == 2
    assert _entries(cache_on) == 25
    assert _entries(cache_on, "run1") == 0
    broken.unlink()
    # AND a run that writes a baseline is not stored (writing the file is part of it)
    _check("--write-baseline", str(tmp_path / "b.json"), str(tree))
    assert _entries(cache_on, "run1") == 0


def test_a_service_that_reads_another_file_is_never_cached(tmp_path: Path, cache_on: Path) -> None:
    # GIVEN a serverless.yml whose runtime comes from ${file(./env.yml)}
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "env.yml").write_text("runtime: nodejs22.x\n")
    (svc / "serverless.yml").write_text(
        "service: reads\nprovider:\n  name: aws\n  runtime: ${file(./env.yml):runtime}\n"
        "functions:\n  hello:\n    handler: index.handler\n")
    first = _check(str(svc))
    # WHEN only the file it reads changes
    (svc / "env.yml").write_text("runtime: nodejs14.x\n")
    second = _check(str(svc))
    # THEN the second run sees the change, as an uncached run does, and nothing was stored
    assert second == _check("--no-cache", str(svc))
    assert second != first
    assert "nodejs14.x" in second[1]
    assert _entries(cache_on) == 0
    assert _entries(cache_on, "run1") == 0


def test_a_file_changed_while_it_is_checked_is_not_stored(tree: Path, cache_on: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a check during which one file is rewritten after it was hashed
    import hook.cli as cli

    target = tree / "team0" / "hello-compliant-0.yaml"
    real_load = cli._load

    def load(path: str, *rest: object) -> object:
        if path == str(target):
            result = real_load(path, *rest)  # type: ignore[arg-type]
            target.write_text(target.read_text().replace("Runtime: nodejs22.x", "Runtime: nodejs18.x"))
            return result
        return real_load(path, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_load", load)
    _check("--jobs", "1", str(tree))
    monkeypatch.setattr(cli, "_load", real_load)
    # THEN neither that file's verdict nor the run is stored, and the next run reports the new content
    assert _entries(cache_on) == 24
    assert _entries(cache_on, "run1") == 0
    assert _check(str(tree)) == _check("--no-cache", str(tree))


_PARENT = os.getpid()


def _work(path: str) -> object:
    time.sleep(0.005)  # long enough for a fork to take files before this process has done them all
    if path.startswith("raise"):
        raise ValueError(f"bad {path}")
    if path == "unpicklable":
        return lambda: None
    if path.startswith("kill") and os.getpid() != _PARENT:
        # kills the worker checking it: always ("kill"), or the first time ("kill-once <marker>")
        marker = Path(path.partition(" ")[2]) if " " in path else None
        if marker is None or not marker.exists():
            if marker is not None:
                marker.touch()
            os.kill(os.getpid(), 9)
    return f"{path.upper()} in {'this process' if os.getpid() == _PARENT else 'a worker'}"


def _answers(results: list[object]) -> list[object]:
    """What each result says, whichever process checked it."""
    return [repr(r) if isinstance(r, BaseException) else r.split(" in ")[0] if isinstance(r, str) else r
            for r in results]


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_the_pool_answers_in_order_with_each_error_in_its_place(jobs: int) -> None:
    from hook.cli.parallel import map_files

    # GIVEN paths whose work returns, raises, or returns what cannot be sent back
    paths = [f"p{i}" for i in range(40)]
    paths[5] = "raise-5"
    paths[17] = "unpicklable"
    paths[0] = "raise-0"  # the one done before the fork
    # WHEN mapped in this process and forked workers, and in this process alone
    forked = map_files(_work, paths, jobs)
    serial = map_files(_work, paths, 1)
    # THEN every result is in its place, exceptions returned (not raised), as in one process
    assert _answers(forked)[:5] == [repr(ValueError("bad raise-0")), "P1", "P2", "P3", "P4"]
    assert repr(forked[5]) == repr(serial[5]) == repr(ValueError("bad raise-5"))
    # (a worker cannot send a function back: it says so; this process keeps its own result)
    assert isinstance(forked[17], RuntimeError) or callable(forked[17])
    assert callable(serial[17])
    assert [r for i, r in enumerate(_answers(forked)) if i not in (0, 5, 17)] == \
        [r for i, r in enumerate(_answers(serial)) if i not in (0, 5, 17)]
    # AND no worker is left behind
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_this_process_and_the_worker_share_the_files() -> None:
    from hook.cli.parallel import map_files

    # GIVEN files that take a few milliseconds each
    paths = [f"p{i}" for i in range(40)]
    # WHEN mapped on two processes (which takes which is the scheduler's: a loaded machine may
    # run one process alone for a while, so a few runs are allowed)
    seen: set[str] = set()
    for _ in range(10):
        results = map_files(_work, paths, 2)
        assert _answers(results) == [p.upper() for p in paths]
        seen |= {r.split(" in ")[1] for r in results if isinstance(r, str)}
        if len(seen) == 2:
            break
    # THEN both checked files: the files go to whichever process is free
    assert seen == {"this process", "a worker"}


def test_a_file_a_worker_died_checking_is_checked_again(tmp_path: Path) -> None:
    from hook.cli.parallel import map_files

    # GIVEN a file whose check kills the worker checking it the first time only
    paths = [f"p{i}" for i in range(40)]
    paths[6] = f"kill-once {tmp_path / 'killed'}"
    # WHEN mapped on two processes
    results = map_files(_work, paths, 2)
    # THEN every file has its result, that one included, whoever checked it
    assert _answers(results) == _answers(map_files(_work, paths, 1))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_file_that_kills_its_worker_is_an_error_naming_it_not_a_hang() -> None:
    from hook.cli.parallel import map_files

    # GIVEN a file whose check kills any worker checking it (this process checks it as it checks
    # any other: which process takes which file is not fixed, so the run is repeated until a
    # worker has taken it; each time half the files or so are a worker's)
    paths = [f"p{i}" for i in range(12)]
    paths[6] = "kill"
    outcomes = set()
    for _ in range(30):
        # WHEN mapped on two processes
        try:
            results = map_files(_work, paths, 2)
        except RuntimeError as exc:
            # THEN a worker that took it died, and so did the fork that checked it again: the
            # run stops with an error naming the file
            assert "before checking kill" in str(exc)
            outcomes.add("error")
            break
        # (or this process took it, and the run is what one process gives)
        assert _answers(results) == _answers(map_files(_work, paths, 1))
        outcomes.add("this process")
        # AND no worker is left behind, either way
        with pytest.raises(ChildProcessError):
            os.waitpid(-1, os.WNOHANG)
    assert "error" in outcomes
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_more_files_than_the_task_pipe_holds_are_dealt_in_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import hook.cli.parallel as parallel

    # GIVEN a task pipe that holds only 16 tasks (and cannot be widened)
    monkeypatch.setattr(parallel, "_pipe_capacity", lambda fd: 64)
    monkeypatch.setattr(parallel, "_widen", lambda fd, size: None)
    # WHEN 100 files are written as tasks
    task_r, tasks, per = parallel._tasks(100)
    try:
        runs = []
        while (files := parallel._next_files(task_r, per, 100)) is not None:
            runs.append(files)
    finally:
        os.close(task_r)
    # THEN each task is a run of consecutive files, and every file is in exactly one
    assert (tasks, per) == (15, 7) and len(runs) == 15
    assert [i for r in runs for i in r] == list(range(100))
    # AND the pool gives each file its own result all the same
    paths = [f"p{i}" for i in range(101)]
    assert _answers(parallel.map_files(_work, paths, 3)) == [p.upper() for p in paths]
