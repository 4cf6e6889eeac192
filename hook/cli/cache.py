"""The result cache of ``govhook check``: a file's verdict, kept for the next run on the same input.

A pre-commit hook or a watch loop checks the same files again and again; most have not changed.
Each file's ``Verdict`` is stored under a key that covers everything its verdict depends on:

- the file: its path as given (findings name it) and its bytes;
- the policy: where it was found (``--policy``, discovered, inline in a project file) and its
  content (the offline run reads nothing else of it; ``--aws``, which reads SSM values, account
  facts or a policy from SSM/S3, never uses the cache);
- govhook itself: its version and a digest of every source and data file of the ``hook`` package,
  so an edited checkout is a new govhook;
- the rules: the built-in ones are part of the ``hook`` package; each rule pack installed through
  the ``govhook.rules`` entry point adds its name, target and the digest of its package's sources;
- the libraries that shape the result: aws-sam-translator, PyYAML, and the Python version;
- the options that change results: ``--stack-name``, ``--param``, ``--stage``, ``--region``, and the
  date (exemptions expire and runtimes are deprecated by date). A run with ``GOVHOOK_RUNTIMES``
  set (runtime lifecycle data read from SSM, S3 or a file) does not use the cache.

Two kinds of entry: a file's ``Verdict`` (``v1/``), and a whole run's report (``run1/``): the
exact text and exit code of a run whose key also covers every file found, in order, the report
options (format, ``--verbose``, colour, ``--output``, the baseline file's content) and the walk's
notes. A repeated run on unchanged files is then one read, without loading the policy, the rules
or any adapter; a run with one changed file falls back to the per-file entries. A run with input
errors, ``--write-baseline`` or a CDK cloud assembly is never stored whole, and a Serverless
Framework service that reads another file (``${file(...)}``) is not cached at all (its verdict
depends on a file its key does not cover).

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

__all__ = ["ResultCache", "cache_dir", "code_fingerprint", "policy_identity", "reads_other_files", "rules_fingerprint"]

_FORMAT = b"govhook-result-cache 1"
_RUN_MAGIC = b"govhook-run-1"
#: ``hook.core.registry.ENTRY_POINT_GROUP``, without importing the registry and the SDK.
RULES_GROUP = "govhook.rules"


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "govhook")


def _file_digest(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).digest()
    except OSError:
        return b"missing"


def policy_identity(location: str, origin: str, text: str | None) -> bytes:
    """The policy as the run resolved it: where it was found, and its content (inline text, or the
    file's bytes)."""
    content = text.encode() if text is not None else _file_digest(location)
    return f"{origin}\0{location}\0{os.path.abspath(location)}\0".encode() + hashlib.sha256(content).digest()


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
    for name in ("samtranslator", "yaml"):  # their __init__ holds __version__; found, not imported
        h.update(name.encode() + b"=" + _module_digest(name, whole_package=False))
    return h.digest()


def _module_digest(name: str, *, whole_package: bool) -> bytes:
    """The digest of a top-level module's source (or every file of its package), found without
    importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return b"absent"
    locations = list(spec.submodule_search_locations or ()) if whole_package else []
    if not locations:
        return _file_digest(spec.origin)
    h = hashlib.sha256()
    for root in locations:
        for dirpath, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for file in sorted(files):
                if file.endswith(".py"):
                    path = os.path.join(dirpath, file)
                    h.update(os.path.relpath(path, root).encode() + b"\0" + _file_digest(path))
    return h.digest()


def rules_fingerprint() -> bytes:
    """Every rule pack registered through the ``govhook.rules`` entry point: its name, its target,
    and the sources of its package (the built-in rules are part of :func:`code_fingerprint`). Read
    from the installed metadata and files, without importing the packs."""
    from hook.core.entry_points import scan_entry_points

    h = hashlib.sha256()
    for ep in sorted(scan_entry_points(RULES_GROUP), key=lambda e: (e.name, e.value)):
        h.update(f"{ep.name}={ep.value}\0".encode())
        top = ep.value.split(":", 1)[0].split(".", 1)[0].strip()
        if top != "hook":
            h.update(_module_digest(top, whole_package=True))
    return h.digest()


def reads_other_files(content: bytes) -> bool:
    """Whether a file may be a Serverless Framework service with ``${file(...)}`` (its verdict then
    depends on the file it names). Errs on the side of yes: such a file is simply not cached."""
    return b"file(" in content and b"provider" in content


class ResultCache:
    """Verdicts by key, under :func:`cache_dir`."""

    def __init__(self, base: bytes, directory: str | None = None) -> None:
        #: What every key of this run shares: code, rules, policy, options.
        self.base = base
        self.directory = directory or cache_dir()
        self.hits = 0

    @classmethod
    def for_run(cls, *, policy: bytes, options: Mapping[str, Any],
                directory: str | None = None) -> ResultCache:
        """``policy``: where the policy was found and its content (``policy_identity``)."""
        h = hashlib.sha256(code_fingerprint())
        h.update(rules_fingerprint())
        h.update(b"policy\0" + policy)
        for key in sorted(options):
            h.update(f"\0{key}={options[key]!r}".encode())
        return cls(h.digest(), directory)

    def key(self, path: str, content: bytes) -> str:
        h = hashlib.sha256(self.base)
        h.update(path.encode("utf-8", "surrogateescape") + b"\0")
        h.update(content)
        return h.hexdigest()

    def keys(self, paths: Iterable[str]) -> list[str | None]:
        """Each file's key; ``None`` for a file that cannot be read (the check reports it) or whose
        verdict depends on another file (:func:`reads_other_files`)."""
        out: list[str | None] = []
        for path in paths:
            try:
                with open(path, "rb") as fh:
                    content = fh.read()
            except OSError:
                out.append(None)
                continue
            out.append(None if reads_other_files(content) else self.key(path, content))
        return out

    def _path(self, key: str, kind: str = "v1") -> str:
        return os.path.join(self.directory, kind, key[:2], key)

    def run_key(self, report: bytes, keys: Iterable[str]) -> str:
        """The key of a whole run: this run's base, what shapes the report, every file's key in order."""
        h = hashlib.sha256(b"run\0" + self.base)
        h.update(hashlib.sha256(report).digest())
        for key in keys:
            h.update(key.encode() + b"\0")
        return h.hexdigest()

    def get_run(self, key: str) -> tuple[int, str] | None:
        """``(exit code, report text)`` of the run stored under ``key``."""
        try:
            with open(self._path(key, "run1"), "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        head, sep, text = data.partition(b"\n")
        magic, _, code = head.partition(b" ")
        if not sep or magic != _RUN_MAGIC or not code.isdigit():
            return None
        try:
            return int(code), text.decode("utf-8", "surrogateescape")
        except ValueError:
            return None

    def put_run(self, key: str, code: int, text: str) -> None:
        self._write(self._path(key, "run1"), _RUN_MAGIC + b" %d\n" % code + text.encode("utf-8", "surrogateescape"))

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
        self._write(self._path(key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    @staticmethod
    def _write(path: str, data: bytes) -> None:
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:  # a read-only or full cache directory only costs speed
            with contextlib.suppress(OSError):
                os.unlink(tmp)
