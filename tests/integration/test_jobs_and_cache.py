"""`govhook check --jobs N` and the result cache report exactly what a serial, uncached run reports."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
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


def _entries(directory: Path) -> int:
    return sum(1 for p in directory.rglob("*") if p.is_file()) if directory.exists() else 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_jobs_report_is_identical_to_a_serial_run(tree: Path, fmt: str) -> None:
    # GIVEN a tree of 25 templates and services, some blocked
    # WHEN it is checked in this process and on two and three workers
    serial = _check("--jobs", "1", "--format", fmt, str(tree))
    two = _check("--jobs", "2", "--format", fmt, str(tree))
    three = _check("--jobs", "3", "--format", fmt, str(tree))
    # THEN the exit code and every byte of the report are the same
    assert serial[0] == 1
    assert two == serial
    assert three == serial


def test_jobs_report_bad_files_as_a_serial_run_does(tree: Path) -> None:
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
    # THEN one entry per file is stored, the second run adds none, and all three reports are equal
    assert stored == 25
    assert _entries(cache_on) == stored
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
