"""``${...}`` variables in one serverless.yml: what resolves from the file and the command line,
and what stays an :class:`hook.sdk.Unresolved` marker (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hook.sdk import Unresolved

__all__ = ["Variables", "text_of"]

_MISSING: Any = object()
_VAR = re.compile(r"\$\{([^${}]*)\}")
_SOURCE = re.compile(r"^\s*([a-z][A-Za-z0-9]*)(?::|\()")
_SLOT = re.compile(r"\x00(\d+)\x00")
_DEPLOY_TIME = "resolved by the Framework at deploy time"


class Variables:
    """Resolves ``${...}`` in one serverless.yml (see the module docstring for what resolves)."""

    def __init__(self, config: Mapping[str, Any], options: Mapping[str, str], file: str | None = None) -> None:
        self.config = config
        self.file = file
        self.options = dict(options)
        self.stage: Any = "dev"
        self.region: Any = "us-east-1"
        self._active: set[str] = set()

    def settle(self) -> None:
        provider = self.config.get("provider")
        provider = provider if isinstance(provider, Mapping) else {}
        if "stage" in self.options:
            self.stage = self.options["stage"]
        elif provider.get("stage") is not None:
            self.stage = self.resolve(provider["stage"])
        if "region" in self.options:
            self.region = self.options["region"]
        elif provider.get("region") is not None:
            self.region = self.resolve(provider["region"])

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._string(value) if "${" in value else value
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def _string(self, text: str) -> Any:
        slots: list[Any] = []
        literal: list[bool] = []
        original = text

        def repl(m: re.Match[str]) -> str:
            inner = m.group(1)
            if _SOURCE.match(inner) is None:  # ${AWS::Region}, ${MyBucket.Arn}: CloudFormation's, not ours
                slots.append(m.group(0))
                literal.append(True)
            else:
                slots.append(self._variable(inner, slots))
                literal.append(False)
            return f"\x00{len(slots) - 1}\x00"

        while True:
            new = _VAR.sub(repl, text)
            if new == text:
                break
            text = new
        whole = _SLOT.fullmatch(text)
        if whole:
            value = slots[int(whole.group(1))]
            if isinstance(value, Unresolved):
                return Unresolved(original, value.reason)
            return value
        pieces: list[str] = []
        pos = 0
        for m in _SLOT.finditer(text):
            pieces.append(text[pos:m.start()])
            value = slots[int(m.group(1))]
            if isinstance(value, Unresolved):
                return Unresolved(original, value.reason)
            pieces.append(text_of(value))
            pos = m.end()
        pieces.append(text[pos:])
        return "".join(pieces)

    def _fill(self, text: str, slots: list[Any]) -> Any:
        """A variable's address with its nested variables filled in (Unresolved when one is)."""
        out = []
        pos = 0
        for m in _SLOT.finditer(text):
            out.append(text[pos:m.start()])
            value = slots[int(m.group(1))]
            if isinstance(value, Unresolved):
                return value
            out.append(text_of(value))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    def _variable(self, inner: str, slots: list[Any]) -> Any:
        primary, sep, fallback = inner.partition(",")
        address = self._fill(primary.strip(), slots)
        if isinstance(address, Unresolved):
            return address
        source, _, key = address.partition(":")
        if source.startswith("file(") and source.endswith(")") and self.file is not None:
            from hook.cli.adapters.serverless_files import read_file_variable

            return self.resolve(read_file_variable(self.file, source[5:-1], key.strip()))
        if "(" in source:
            return Unresolved(address, f"{source.split('(')[0]}(...) is {_DEPLOY_TIME}")
        key = key.strip()
        value = self._lookup(source, key)
        if value is not _MISSING:
            return value
        if sep:
            return self._fallback(fallback.strip(), slots)
        hint = {
            "opt": f"pass --param {key}=..." + (" or --stage" if key == "stage" else ""),
            "param": f"pass --param {key}=... or set params.{text_of(self.stage)}.{key}",
            "self": "the key is not set in this file",
        }.get(source, "")
        return Unresolved(address, f"{address} has no value" + (f"; {hint}" if hint else ""))

    def _fallback(self, text: str, slots: list[Any]) -> Any:
        whole = _SLOT.fullmatch(text)
        if whole:
            return slots[int(whole.group(1))]
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        if _SOURCE.match(text):
            return self._variable(text, slots)
        try:
            return int(text)
        except ValueError:
            pass
        if text in ("true", "false"):
            return text == "true"
        return text

    def _lookup(self, source: str, key: str) -> Any:
        if source == "self":
            return self._self(key)
        if source == "opt":
            return self.options.get(key, _MISSING)
        if source == "param":
            if key in self.options:
                return self.options[key]
            params = self.config.get("params")
            if isinstance(params, Mapping):
                for scope in (self.stage, "default"):
                    block = params.get(scope) if isinstance(scope, str) else None
                    if isinstance(block, Mapping) and key in block:
                        return self._self(f"params.{scope}.{key}")
            return _MISSING
        if source == "sls" and key == "stage":
            return self.stage
        if source == "aws" and key == "region":
            return self.region
        return Unresolved(f"${{{source}:{key}}}", f"${{{source}:...}} is {_DEPLOY_TIME}")

    def _self(self, address: str) -> Any:
        node: Any = self.config
        for part in [p for p in address.split(".") if p] if address else []:
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return _MISSING
        if address in self._active:
            return Unresolved(f"${{self:{address}}}", "refers to itself")
        self._active.add(address)
        try:
            return self.resolve(node)
        finally:
            self._active.discard(address)


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

