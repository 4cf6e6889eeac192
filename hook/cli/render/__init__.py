"""The CLI's renderings of a Verdict: text, json, sarif, junit. (The hook response is hook.handler.response.)"""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "junit")
