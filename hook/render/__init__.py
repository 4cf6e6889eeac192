"""Renderings of a Verdict: text, json, sarif, junit (CLI) and the hook response (handler)."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "junit")
