"""What kind of input a file is: a CloudFormation/SAM template, a Serverless Framework service
(recognised by its content, whatever its name: ``serverless.prod.yml``, ``serverless.json``), or a
Serverless Framework service written in code (``serverless.ts``/``.js``), which must be printed first.
"""

from __future__ import annotations

import json
import os
import re

__all__ = ["CODE_CONFIGS", "is_code_config", "is_serverless_service", "print_first_message"]

#: Service files the Framework runs as code: govhook cannot read them without executing them.
CODE_CONFIGS = ("serverless.ts", "serverless.js", "serverless.cjs", "serverless.mjs")
_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
# Top-level keys of a YAML mapping (column 0), each right after a newline (the text is read with
# one put in front): ``(?m)^`` written as the newline it follows, which the regex engine finds by
# scanning for that one character instead of trying every position. Bounded: linear.
_TOP_KEY = re.compile(r"\n[\"']?(service|provider|Resources|AWSTemplateFormatVersion|Transform)[\"']?[ \t]*:")


def top_keys(text: str) -> set[str]:
    """The service/template keys written at column 0 of the text (at its start or after a newline)."""
    return {m.group(1) for m in _TOP_KEY.finditer("\n" + text)}


def is_code_config(path: str) -> bool:
    return os.path.basename(path) in CODE_CONFIGS


def print_first_message(path: str) -> str:
    return (f"{path}: a Serverless Framework service written in code is not read by govhook; print it first "
            f"(serverless print --config {os.path.basename(path)} > serverless.yml) and check that file")


def is_serverless_service(path: str, head: str | None = None) -> bool:
    """``service:`` and ``provider:`` at the top level, and none of a template's keys; the Framework's
    usual names count without reading."""
    if os.path.basename(path) in _NAMES and head is None:
        return True
    if head is None:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                head = fh.read(1 << 20)
        except OSError:
            return False
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):  # broken or too deep: the template reader reports it
            return os.path.basename(path) in _NAMES
        return isinstance(doc, dict) and "service" in doc and "provider" in doc and "Resources" not in doc
    keys = top_keys(text)
    if {"AWSTemplateFormatVersion", "Transform"} & keys:
        return False
    return {"service", "provider"} <= keys
