"""Real CDK for the integration tests: aws-cdk-lib from PyPI (and npm), installed once per checkout
into pytest's cache (``.pytest_cache/d/govhook-cdk``) and reused by later runs.

Python: ``pip install --target`` (aws-cdk-lib, constructs) beside this checkout's venv, put first on
``PYTHONPATH`` of the app's process, as ``cdk synth`` runs ``python app.py``. pip installs without
compiling (``--no-compile``): byte-compiling all of aws-cdk-lib's modules is most of the install's CPU
time, and an app imports a fraction of them; the app's process writes the bytecode of what it
imports (``PYTHONDONTWRITEBYTECODE`` is dropped there), so later syntheses reuse it. ``python-dateutil`` is
held below 3 so the venv's botocore keeps working in that process. jsii runs the library in Node.
TypeScript/JavaScript: ``npm install aws-cdk-lib constructs`` into a directory of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The CDK releases the tests run against (the stable IPolicyValidationPlugin is in all of them).
PY_REQUIREMENTS = ["aws-cdk-lib>=2.250,<3", "constructs>=10,<11", "python-dateutil<3"]
NPM_PACKAGES = ["aws-cdk-lib@^2.250.0", "constructs@^10"]
#: What `cdk synth` adds to the app's context (the CLI writes construct paths into the templates).
CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}


def _cache(config: pytest.Config, name: str) -> Path:
    cache = getattr(config, "cache", None)
    base = Path(cache.mkdir("govhook-cdk")) if cache is not None else ROOT / ".pytest_cache" / "govhook-cdk"
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on PATH (made if missing) while the block runs: parallel test workers
    (pytest -n) and the background prefetch wait for each other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _installing(target: Path) -> contextlib.AbstractContextManager[None]:
    """One installer at a time per directory."""
    return locked(target.parent / f".{target.name}.lock")


def python_cdk(config: pytest.Config) -> Path:
    """A directory holding aws-cdk-lib for Python (installed on first use)."""
    if shutil.which("node") is None:
        pytest.fail("the CDK tests need Node.js (jsii runs aws-cdk-lib in it): install node")
    return ensure_python(_cache(config, "python"))


def npm_cdk(config: pytest.Config) -> Path:
    """A directory with node_modules/aws-cdk-lib and constructs (npm install on first use)."""
    if shutil.which("npm") is None:
        pytest.fail("the TypeScript wrapper test needs npm")
    return ensure_npm(_cache(config, "npm"))


def _installed(target: Path, wanted: list[str]) -> bool:
    marker = target / ".installed"
    return marker.exists() and marker.read_text() == json.dumps(wanted)


def ensure_python(target: Path) -> Path:
    with _installing(target):
        if _installed(target, PY_REQUIREMENTS):
            return target
        shutil.rmtree(target)
        target.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check", "--target",
                        str(target), *PY_REQUIREMENTS], check=True, timeout=900)
        (target / ".installed").write_text(json.dumps(PY_REQUIREMENTS))
    return target


def ensure_npm(target: Path) -> Path:
    with _installing(target):
        if _installed(target, NPM_PACKAGES):
            return target
        (target / "package.json").write_text(json.dumps({"name": "govhook-cdk-test", "private": True}))
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *NPM_PACKAGES],
                       cwd=target, check=True, timeout=900)
        (target / ".installed").write_text(json.dumps(NPM_PACKAGES))
    return target


def prefetch(config: pytest.Config) -> subprocess.Popen[bytes] | None:
    """Start the installs in the background when they are missing (tests/conftest.py calls this
    once per run, in the main process): downloading and unpacking aws-cdk-lib is mostly waiting on
    the package registries, which the rest of the suite overlaps instead of a worker idling at the
    first CDK test. The tests wait for it on the install lock; if it fails they install themselves
    and report the error."""
    python, npm = _cache(config, "python"), _cache(config, "npm")
    if _installed(python, PY_REQUIREMENTS) and _installed(npm, NPM_PACKAGES):
        return None
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    return subprocess.Popen([sys.executable, __file__, str(python), str(npm)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def synth_python(site: Path, app_dir: Path, outdir: Path, context: dict[str, Any] | None = None,
                 timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """``cdk synth`` as the CLI runs a Python app: ``python app.py`` with CDK_OUTDIR and the context."""
    env = {**os.environ, "CDK_OUTDIR": str(outdir),
           "CDK_CONTEXT_JSON": json.dumps({**CLI_CONTEXT, **(context or {})}),
           "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    env.pop("PYTEST_CURRENT_TEST", None)  # CDK treats a pytest process as "in memory" mode
    env.pop("PYTEST_VERSION", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the installed CDK is not byte-compiled: see the module's docstring
    return subprocess.run([sys.executable, "app.py"], cwd=app_dir, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def plugin_report(outdir: Path, plugin: str = "govhook") -> dict[str, Any]:
    """The plugin's part of CDK's validation-report.json."""
    doc = json.loads((outdir / "validation-report.json").read_text())
    return next(r for r in doc["pluginReports"] if r["pluginName"] == plugin)


def violations(report: dict[str, Any], *severities: str) -> set[tuple[str, str]]:
    """``{(rule, construct path)}`` of the report's violations with these severities."""
    return {(v["ruleName"], c["constructPath"]) for v in report["violations"] if v["severity"] in severities
            for c in v["violatingConstructs"]}


if __name__ == "__main__":  # the background install prefetch() starts
    ensure_python(Path(sys.argv[1]))
    ensure_npm(Path(sys.argv[2]))
