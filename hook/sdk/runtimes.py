"""AWS's runtime deprecation schedule, as data (``hook/data/runtimes.json``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["runtime_lifecycle"]


@cache
def runtime_lifecycle() -> Mapping[str, Mapping[str, Any]]:
    """Runtime -> ``{deprecated, create_blocked, update_blocked, successor}``, read once from
    ``hook/data/runtimes.json``."""
    data = json.loads((Path(__file__).parent.parent / "data" / "runtimes.json").read_text())
    return data["runtimes"]  # type: ignore[no-any-return]
