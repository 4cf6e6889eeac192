"""Golden reports in all four formats, byte for byte (regenerate: python tests/golden/regen.py)."""

from __future__ import annotations

import pytest

from tests.golden.regen import FORMATS, GOLDEN, render


@pytest.mark.parametrize(("fmt", "name"), sorted(FORMATS.items()))
def test_report_matches_golden(fmt: str, name: str) -> None:
    expected = (GOLDEN / name).read_text()
    assert render(fmt) == expected, f"{name} changed: review, then run `python tests/golden/regen.py`"


def test_reports_are_deterministic() -> None:
    assert render("sarif") == render("sarif")
