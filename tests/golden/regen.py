"""Regenerate the golden reports: `python tests/golden/regen.py` (or `make golden`).

Deterministic: relative paths, a fixed date, sorted findings, no timestamps.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOLDEN = Path(__file__).resolve().parent
FORMATS = {"text": "report.txt", "json": "report.json", "sarif": "report.sarif", "junit": "report.xml"}
TODAY = "2026-11-23"


def render(fmt: str) -> str:
    from hook.cli import main

    buf = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(buf):
            main(["check", "--policy", "policies/default.policy.yaml", "--format", fmt, "--no-color",
                  "--today", TODAY, "sample/templates"])
    finally:
        os.chdir(cwd)
    return buf.getvalue()


def main() -> None:
    for fmt, name in FORMATS.items():
        (GOLDEN / name).write_text(render(fmt))
        print(f"wrote tests/golden/{name}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
