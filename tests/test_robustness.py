"""Odd but real inputs: a correct verdict, or exit 2 with one line naming the file; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from hook.cli import main

ROOT = Path(__file__).resolve().parent.parent
STRICT = str(ROOT / "policies" / "strict.policy.yaml")


def check(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["check", "--policy", STRICT, "--format", "json", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_non_string_yaml_key_in_properties_is_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a YAML template whose properties have a single key YAML reads as an integer
    path = tmp_path / "intkey.yaml"
    path.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      1: x\n", encoding="utf-8"
    )
    # WHEN it is checked
    code, out, _ = check(capsys, path)
    # THEN a verdict comes out (the key is simply not a property any rule reads)
    assert code in (0, 1) and '"schema_version": 1' in out
