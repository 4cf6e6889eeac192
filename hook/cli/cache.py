"""The result cache of ``govhook check``: a file's verdict, kept for the next run on the same input.

A pre-commit hook or a watch loop checks the same files again and again; most have not changed.
Each file's ``Verdict`` is stored under a key that covers everything its verdict depends on:

- the file: its path as given (findings name it) and its bytes;
- the policy: its path and its bytes (the offline run reads nothing else of it; ``--aws``, which
  reads SSM values and account facts, never uses the cache);
- govhook itself: its version and a digest of every source and data file of the ``hook`` package,
  so an edited checkout is a new govhook;
- the rules: each registered rule's id, version and the digest of its module's source (rule packs
  installed through the ``govhook.rules`` entry point included);
- the libraries that shape the result: aws-sam-translator, PyYAML, and the Python version;
- the options that change results: ``--stack-name``, ``--param``, ``--stage``, ``--region``, and the
  date (exemptions expire and runtimes are deprecated by date).

Entries live under ``$XDG_CACHE_HOME/govhook`` (else ``~/.cache/govhook``), one file per key,
written atomically; an entry that cannot be read is a miss. ``--no-cache`` (or ``GOVHOOK_NO_CACHE=1``)
turns it off. Entries are pickles, read only from the user's own cache directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["ResultCache", "cache_dir", "code_fingerprint", "rules_fingerprint"]

_FORMAT = b"govhook-result-cache 1"


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "govhook")


def _file_digest(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).digest()
    except OSError:
        return b"missing"


def code_fingerprint() -> bytes:
    """govhook's version and the digest of every file of the ``hook`` package."""
    import hook

    root = os.path.dirname(os.path.abspath(hook.__file__))
    h = hashlib.sha256(_FORMAT)
    h.update(hook.__version__.encode())
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json", ".yaml", ".yml")):
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, root).encode() + b"\0" + _file_digest(path))
    h.update(sys.version.encode())
    for dist in ("aws-sam-translator", "PyYAML"):
        h.update(dist.encode() + b"=" + _version(dist).encode())
    return h.digest()


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "-"


def rules_fingerprint(registry: Any) -> bytes:
    """Each registered rule: id, version, and the digest of its module's source."""
    h = hashlib.sha256()
    for rule_id in sorted(registry.all_names()):
        rule = registry.get(rule_id)
        module = sys.modules.get(getattr(rule, "__module__", ""))
        source = getattr(module, "__file__", None)
        h.update(f"{rule_id}\0{getattr(rule, 'version', '')}\0".encode())
        h.update(_file_digest(source) if source else b"no source")
    return h.digest()


class ResultCache:
    """Verdicts by key, under :func:`cache_dir`."""

    def __init__(self, base: bytes, directory: str | None = None) -> None:
        #: What every key of this run shares: code, rules, policy, options.
        self.base = base
        self.directory = directory or cache_dir()
        self.hits = 0

    @classmethod
    def for_run(cls, *, registry: Any, policy_path: str, options: Mapping[str, Any],
                directory: str | None = None) -> ResultCache:
        h = hashlib.sha256(code_fingerprint())
        h.update(rules_fingerprint(registry))
        h.update(b"policy\0" + os.path.abspath(policy_path).encode() + b"\0" + policy_path.encode())
        h.update(_file_digest(policy_path))
        for key in sorted(options):
            h.update(f"\0{key}={options[key]!r}".encode())
        return cls(h.digest(), directory)

    def key(self, path: str, content: bytes) -> str:
        h = hashlib.sha256(self.base)
        h.update(path.encode("utf-8", "surrogateescape") + b"\0")
        h.update(content)
        return h.hexdigest()

    def keys(self, paths: Iterable[str]) -> list[str | None]:
        out: list[str | None] = []
        for path in paths:
            try:
                with open(path, "rb") as fh:
                    out.append(self.key(path, fh.read()))
            except OSError:
                out.append(None)  # the check reports it
        return out

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, "v1", key[:2], key)

    def get(self, key: str | None) -> Any:
        if key is None:
            return None
        try:
            with open(self._path(key), "rb") as fh:
                value = pickle.load(fh)
        except FileNotFoundError:
            return None
        except Exception:  # a torn or foreign entry is a miss, never an error
            return None
        self.hits += 1
        return value

    def put(self, key: str | None, value: Any) -> None:
        if key is None:
            return
        path = self._path(key)
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:  # a read-only or full cache directory only costs speed
            with contextlib.suppress(OSError):
                os.unlink(tmp)
