"""Regenerate the golden hook responses for sample/events: `python tests/golden/events_regen.py`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = Path(__file__).resolve().parent / "events"
EVENTS = sorted(p for p in (ROOT / "sample" / "events").glob("*.json") if not p.name.endswith(".payload.json"))


def response(event: Path) -> dict[str, Any]:
    from hook.cli.replay import replay

    payload = event.with_name(event.stem + ".payload.json")
    return replay(str(event), payload_path=str(payload) if payload.exists() else None,
                  policy_path=str(ROOT / "tests" / "golden" / "events-policy.yaml"))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for event in EVENTS:
        (OUT / f"{event.stem}.response.json").write_text(json.dumps(response(event), indent=2) + "\n")
        print(f"wrote tests/golden/events/{event.stem}.response.json")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
