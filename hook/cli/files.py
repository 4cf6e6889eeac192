"""The inputs of ``govhook check``: files, directories and globs, walked safely.

Only regular files are read. Named on the command line, anything else (a FIFO, ``/dev/zero``,
``/dev/null``, a symlink loop, a dangling symlink) is an input error of its own, and the other
inputs are still checked. Inside a directory, such entries are skipped with a note, symlinked
directories are not followed (no loops), and a file is sniffed from its first 64 KiB (at most
CloudFormation's 1 MB) without blocking.
"""

from __future__ import annotations

import glob
import json
import os
import re
from collections.abc import Sequence

from hook.core.errors import InputError, TemplateError
from hook.inputs.files import S3_LIMIT, check_regular_file, too_big

__all__ = ["Inputs", "find_templates", "looks_like_template"]

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
#: Serverless services written in code (hook.cli.adapters.detect): reported, to be printed first.
CODE_CONFIGS = ("serverless.ts", "serverless.js", "serverless.cjs", "serverless.mjs")
# Tool output and dependencies. Not "events" or "plugin": a service of that name is a service,
# and hook events or rule case files are told apart by their content (looks_like_template).
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".aws-sam", "build", "cdk.out"}
_TOP_LEVEL_KEY = re.compile(r"(?m)^\ufeff?[\"']?(?:Resources|AWSTemplateFormatVersion)[\"']?[ \t]*:")


class Inputs:
    """What the paths named: the template files to check, the inputs that could not be read
    (``errors``, each an :class:`InputError` naming the file), and ``notes`` on what a walk skipped."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.errors: list[InputError] = []
        self.notes: list[str] = []
        #: Every input met, in the order named: errors are reported in that order.
        self.order: dict[str, int] = {}

    def add(self, path: str) -> None:
        if path not in self.files:
            self.files.append(path)
            self.order.setdefault(path, len(self.order))

    def error(self, err: InputError) -> None:
        self.errors.append(err)
        self.order.setdefault(err.file or "", len(self.order))

    def in_order(self, errors: list[InputError]) -> list[InputError]:
        """``errors`` sorted by where their file was named (stable for one file's errors)."""
        return sorted(errors, key=lambda e: self.order.get(e.file or "", len(self.order)))


def _head(path: str) -> str | None:
    """The first 64 KiB (or up to 1 MB when no template marker is in them), read without blocking."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(65536)
        text = data.decode("utf-8", errors="replace")
        if not _template_markers(text):
            # Large Mappings or Parameters can push Resources past the first 64 KiB; a template
            # skipped here would be reported as passed. Templates are at most 1 MB.
            text += fh.read(S3_LIMIT).decode("utf-8", errors="replace")
    return text


def looks_like_template(path: str) -> bool:
    from hook.cli.adapters.detect import is_serverless_service

    if os.path.basename(path) in SERVERLESS_NAMES:
        return True  # a Serverless Framework service (hook.cli.adapters.serverless)
    head = _head(path)
    if head is not None and path.endswith((".yml", ".yaml", ".json")) and is_serverless_service(path, head):
        return True  # a service under another name (serverless deploy --config serverless.prod.yml)
    if head is None or not _template_markers(head):
        return False
    # The words appear in hook events, payloads and rule case files too: a template has them as
    # top-level keys.
    if head.lstrip("\ufeff \t\r\n").startswith("{"):
        try:
            doc = json.loads(head.lstrip("\ufeff"))
        except (ValueError, RecursionError):
            return True  # YAML flow style, broken JSON the parser reports with its line, or > 1 MB
        return isinstance(doc, dict) and ("Resources" in doc or "AWSTemplateFormatVersion" in doc)
    return _TOP_LEVEL_KEY.search(head) is not None


def _template_markers(text: str) -> bool:
    return "AWSTemplateFormatVersion" in text or (
        ("Resources" in text) and ("Type" in text) and ("AWS::" in text)
    )


def _walk(folder: str, out: Inputs) -> None:
    # os.walk does not follow symlinked directories (followlinks=False): no loops.
    for root, dirs, names in os.walk(folder, onerror=lambda exc: out.notes.append(
            f"{exc.filename}: skipped ({exc.strerror or exc})")):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(names):
            if name in CODE_CONFIGS and not any(n in names for n in SERVERLESS_NAMES):
                out.error(_print_first(os.path.join(root, name)))
                continue
            if not (name.endswith(TEMPLATE_SUFFIXES) or name in SERVERLESS_NAMES):
                continue
            full = os.path.join(root, name)
            why = check_regular_file(full)
            if why is not None:
                out.notes.append(f"{full}: skipped ({why})")
                continue
            if looks_like_template(full):
                out.add(full)


def _print_first(path: str) -> TemplateError:
    from hook.cli.adapters.detect import print_first_message

    return TemplateError(print_first_message(path).split(": ", 1)[1], path)


def _named(path: str, out: Inputs, *, ignore_non_templates: bool) -> None:
    why = check_regular_file(path)
    if why is None and os.path.basename(path) in CODE_CONFIGS:
        out.error(_print_first(path))
    elif why is not None:
        out.error(TemplateError(f"cannot read template: {why}", path))
    elif os.path.getsize(path) > S3_LIMIT:  # named on purpose: say why it is refused
        out.error(TemplateError(f"cannot read template: {too_big(os.path.getsize(path))}", path))
    elif looks_like_template(path):
        out.add(path)
    elif not ignore_non_templates:
        out.error(TemplateError("not a CloudFormation template (no Resources)", path))


def find_templates(paths: Sequence[str], *, ignore_non_templates: bool) -> Inputs:
    out = Inputs()
    for p in paths:
        if os.path.isdir(p):  # named on purpose: a symlink to a directory is followed, once
            _walk(p, out)
        elif os.path.lexists(p):
            _named(p, out, ignore_non_templates=ignore_non_templates)
        else:
            matches = sorted(glob.glob(p, recursive=True))
            if not matches:
                out.error(TemplateError("no such file or directory", p))
                continue
            for m in matches:
                if os.path.isdir(m):
                    _walk(m, out)
                    continue
                why = check_regular_file(m)
                if why is not None:
                    out.notes.append(f"{m}: skipped ({why})")
                elif looks_like_template(m):
                    out.add(m)
    return out
