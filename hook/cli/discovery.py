"""Which policy ``govhook check`` uses, and why.

The order, first hit wins (the way ruff and cfn-lint find their configuration):

1. ``--policy FILE``;
2. the ``GOVHOOK_POLICY`` environment variable (a file; ``ssm:/name`` or ``s3://bucket/key`` with
   ``--aws``, read exactly as the hook reads it);
3. a project file, searched from the checked paths upwards to the filesystem root: in each folder
   ``.govhook.yaml`` first, then ``pyproject.toml`` with a ``[tool.govhook]`` table. Either names a
   policy file (``policy: policies/prod.policy.yaml``, relative to the project file's folder) or
   is the policy itself (``.govhook.yaml`` with ``version: 1`` and ``rules``; ``[tool.govhook]``
   with ``version = 1`` and ``[tool.govhook.rules."lambda.runtime-allowed"]`` tables);
4. the default policy shipped inside the package (``hook/data/default.policy.yaml``, the same file
   as the repository's ``policies/default.policy.yaml``).

When several paths are checked, the search starts from their deepest common folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hook.core._record import Frozen
from hook.core.errors import PolicyError

__all__ = ["PolicyChoice", "choose_policy", "packaged_default_path"]

PROJECT_FILE = ".govhook.yaml"


class PolicyChoice(Frozen):
    """Where the policy comes from: ``location`` to read (a file, or ``ssm:``/``s3://`` for the hook's
    sources), ``text`` when the policy is inline in a project file, ``origin`` the step that chose it
    (``--policy``, ``GOVHOOK_POLICY``, ``.govhook.yaml``, ``pyproject.toml``, ``packaged default``),
    ``shown`` how reports name it."""

    _fields = ("location", "text", "origin", "shown")
    location: str
    text: str | None
    origin: str
    shown: str

    def __init__(self, location: str, origin: str, shown: str, text: str | None = None) -> None:
        self.__dict__.update(location=location, text=text, origin=origin, shown=shown)

    def describe(self) -> str:
        """``policies/prod.policy.yaml (from --policy)``: the line reports print."""
        return f"{self.shown} (from {self.origin})" if self.origin != "packaged default" else \
            f"{self.shown} (the packaged default; pass --policy, set GOVHOOK_POLICY or add .govhook.yaml to choose)"

    def to_dict(self) -> dict[str, str]:
        return {"source": self.origin, "path": self.shown}


def packaged_default_path() -> str:
    """The default policy inside the installed package."""
    return str(Path(__file__).resolve().parent.parent / "data" / "default.policy.yaml")


def _shown(path: str) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if rel.startswith("..") else rel


def _start_folder(paths: Sequence[str]) -> Path:
    folders = []
    for p in paths or ["."]:
        path = Path(p)
        # A glob is searched from its literal head ("templates/**/*.yaml" -> templates).
        parts = []
        for part in path.parts:
            if any(ch in part for ch in "*?["):
                break
            parts.append(part)
        path = Path(*parts) if parts else Path(".")
        path = path.resolve()
        folders.append(path if path.is_dir() else path.parent)
    try:
        return Path(os.path.commonpath([str(f) for f in folders]))
    except ValueError:
        return Path.cwd()


def _from_project_yaml(file: Path) -> PolicyChoice:
    from hook.inputs.files import read_text_file

    text = read_text_file(str(file), "project file")
    try:
        from hook.core.yaml_import import yaml

        doc = yaml.safe_load(text)
    except Exception:  # a YAML error: the policy parser reports it with its line
        return PolicyChoice(str(file), PROJECT_FILE, _shown(str(file)), text=text)
    if isinstance(doc, Mapping) and "policy" in doc and "rules" not in doc:
        return _pointed(file, doc["policy"], PROJECT_FILE)
    return PolicyChoice(str(file), PROJECT_FILE, _shown(str(file)), text=text)


def _from_pyproject(file: Path) -> PolicyChoice | None:
    import tomllib

    from hook.inputs.files import read_text_file

    text = read_text_file(str(file), "pyproject.toml")
    if "govhook" not in text:
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(file, f"not valid TOML: {exc}") from exc
    table = doc.get("tool", {}).get("govhook") if isinstance(doc.get("tool"), dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _bad(file, "[tool.govhook] must be a table")
    if "policy" in table and "rules" not in table:
        return _pointed(file, table["policy"], "pyproject.toml")
    # The table is the policy; the policy parser reads JSON, so errors name YAML paths, not lines.
    return PolicyChoice(str(file), "pyproject.toml [tool.govhook]", _shown(str(file)), text=json.dumps(table))


def _pointed(file: Path, value: Any, origin: str) -> PolicyChoice:
    if not isinstance(value, str) or not value:
        raise _bad(file, "'policy' must be a path to a policy file")
    target = (file.parent / value).resolve() if not value.startswith(("ssm:", "s3://")) else value
    return PolicyChoice(str(target), f"{origin} {_shown(str(file))}",
                        _shown(str(target)) if isinstance(target, Path) else value)


def _bad(file: Path, message: str) -> PolicyError:
    return PolicyError(message, str(file))


def find_project_file(start: Path) -> PolicyChoice | None:
    """The nearest ``.govhook.yaml`` or ``pyproject.toml`` with ``[tool.govhook]``, upwards from ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return _from_project_yaml(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            found = _from_pyproject(pyproject)
            if found is not None:
                return found
    return None


def choose_policy(explicit: str | None, paths: Sequence[str], environ: Mapping[str, str] | None = None) -> PolicyChoice:
    """The policy for a check of ``paths`` (see the module docstring for the order)."""
    env = os.environ if environ is None else environ
    if explicit:
        return PolicyChoice(explicit, "--policy", explicit)
    from_env = env.get("GOVHOOK_POLICY", "").strip()
    if from_env:
        return PolicyChoice(from_env, "GOVHOOK_POLICY", from_env)
    found = find_project_file(_start_folder(paths))
    if found is not None:
        return found
    return PolicyChoice(packaged_default_path(), "packaged default", "hook/data/default.policy.yaml")
