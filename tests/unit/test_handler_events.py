"""Every captured sample event through the real handler (via replay) against its golden response."""

from __future__ import annotations

import json

import pytest

from tests.golden.events_regen import EVENTS, OUT, response
from tests.hookcontract import assert_contract


@pytest.mark.parametrize("event", EVENTS, ids=lambda p: p.stem)
def test_event_matches_golden_response(event: object) -> None:
    got = response(event)  # type: ignore[arg-type]
    assert_contract(json.loads(event.read_text()), got)  # type: ignore[attr-defined]
    expected = json.loads((OUT / f"{event.stem}.response.json").read_text())  # type: ignore[attr-defined]
    assert got == expected, "response changed: review, then run `python tests/golden/events_regen.py`"


def test_golden_outcomes_are_the_documented_ones() -> None:
    status = {p.name.removesuffix(".response.json"): json.loads(p.read_text()) for p in OUT.glob("*.response.json")}
    assert status["resource-create-compliant"]["hookStatus"] == "SUCCESS"
    assert status["resource-create-noncompliant"]["errorCode"] == "NonCompliant"
    assert status["resource-update-keeps-retired-runtime"]["hookStatus"] == "SUCCESS"
    assert status["resource-update-introduces-retired-runtime"]["hookStatus"] == "FAILED"
    assert status["resource-create-stringified-scalars"]["hookStatus"] == "FAILED"
    assert status["resource-create-container-image"]["hookStatus"] == "SUCCESS"
    assert status["resource-delete"]["hookStatus"] == "SUCCESS"
    assert status["cloud-control-create"]["hookStatus"] == "FAILED" and len(status["cloud-control-create"]["message"]) <= 1024
    assert "clientRequesttoken" in status["resource-create-misspelled-keys"]
    assert status["stack"]["hookStatus"] == "SUCCESS"
    assert status["change-set"]["errorCode"] == "NonCompliant"
