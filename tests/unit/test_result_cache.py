"""The result cache's entries and key parts (hook/cli/cache.py), without running a check."""

from __future__ import annotations

from pathlib import Path

from hook.cli.cache import RULES_GROUP, ResultCache, reads_other_files
from hook.core.registry import ENTRY_POINT_GROUP


def test_rule_packs_are_looked_up_in_the_registry_group() -> None:
    # the cache names the group without importing the registry; both must be the same
    assert RULES_GROUP == ENTRY_POINT_GROUP


def test_a_run_entry_reads_back_exactly(tmp_path: Path) -> None:
    # GIVEN a report with non-ASCII text, a surrogate-escaped byte and trailing newlines
    cache = ResultCache(b"base", str(tmp_path))
    key = cache.run_key(b"report", ["a", "b"])
    text = "files: caf\u00e9.yaml \udcff\n\n"
    # WHEN stored and read back THEN it is the same exit code and text
    cache.put_run(key, 1, text)
    assert cache.get_run(key) == (1, text)
    # AND another base, report or file list is another key
    assert key != ResultCache(b"other", str(tmp_path)).run_key(b"report", ["a", "b"])
    assert key != cache.run_key(b"report2", ["a", "b"])
    assert key != cache.run_key(b"report", ["b", "a"])
    assert key != cache.run_key(b"report", ["ab"])


def test_a_torn_or_foreign_run_entry_is_a_miss(tmp_path: Path) -> None:
    cache = ResultCache(b"base", str(tmp_path))
    key = cache.run_key(b"r", [])
    assert cache.get_run(key) is None
    cache.put_run(key, 0, "ok\n")
    path = Path(cache._path(key, "run1"))
    for data in (b"", b"govhook-run-1 0", b"govhook-run-2 0\nok\n", b"govhook-run-1 x\nok\n", b"\x80\x00"):
        path.write_bytes(data)
        assert cache.get_run(key) is None


def test_files_that_may_read_other_files_are_not_cached() -> None:
    assert reads_other_files(b"provider:\n  runtime: ${file(./env.yml):runtime}\n")
    assert reads_other_files(b"provider: {name: aws}\ncustom: ${ file(./x.json) }\n")
    assert not reads_other_files(b"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n")
    assert not reads_other_files(b"provider:\n  name: aws\n")
