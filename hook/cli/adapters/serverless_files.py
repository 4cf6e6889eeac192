"""``${file(...)}`` in serverless.yml: a local file known before deploy, read relative to the service.

The Framework reads the file when it packages, so govhook reads it too: YAML or JSON, relative to
the directory of the service file, optionally one key path inside it (``${file(./env.yml):prod.db}``).
A path that leaves the service directory (``../``, an absolute path, a symlink out) is not read,
and neither is a file that does not exist or does not parse, or a JavaScript/TypeScript file (the
Framework runs it): each is a :class:`TemplateError` naming the file and the reason, so the verdict
is never a plain PASSED on settings govhook did not see.
"""

from __future__ import annotations

import os
from typing import Any

from hook.core.errors import TemplateError

__all__ = ["read_file_variable"]

_MISSING = object()


def read_file_variable(service_file: str | None, argument: str, key: str) -> Any:
    """The value of ``${file(argument):key}`` (the whole document when ``key`` is empty)."""
    where = service_file or "serverless.yml"
    shown = f"${{file({argument}){':' + key if key else ''}}}"
    rel = argument.strip().strip("'\"")
    if service_file is None:
        raise TemplateError(f"{shown}: the service's directory is not known, so the file is not read", where)
    base = os.path.realpath(os.path.dirname(os.path.abspath(service_file)))
    if not rel or os.path.isabs(rel) or rel.startswith("~"):
        raise TemplateError(f"{shown}: only a path inside the service directory is read", where)
    target = os.path.realpath(os.path.join(base, rel))
    if os.path.commonpath([base, target]) != base:
        raise TemplateError(f"{shown}: {rel} is outside the service directory; govhook does not read it "
                            "(check from a directory that holds both, or inline the settings)", where)
    if target.endswith((".js", ".cjs", ".mjs", ".ts")):
        raise TemplateError(f"{shown}: the Framework runs {rel} as code; govhook does not: print the service "
                            "first (serverless print > serverless.yml) and check that", where)
    try:
        with open(target, encoding="utf-8") as fh:
            text = fh.read(10 << 20)
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{shown}: cannot read {rel}: {getattr(exc, 'strerror', None) or exc}; "
                            "the Framework would fail to deploy too", where) from exc
    from hook.core.yaml_import import yaml
    from hook.inputs.yamlcfn import CfnLoader

    try:
        value: Any = yaml.load(text, Loader=CfnLoader)  # CfnLoader is a safe loader
    except yaml.YAMLError as exc:
        raise TemplateError(f"{shown}: {rel} is not valid YAML or JSON: {exc}", where) from exc
    for part in [p for p in key.split(".") if p] if key else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise TemplateError(f"{shown}: {rel} has no '{key}'", where)
    return value
