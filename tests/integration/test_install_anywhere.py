"""A real install, then `govhook check` in a directory of one's own (issue 13 item 2).

The wheel is built from a copy of the source (symlinks kept, as a clone has them) with this venv's
setuptools, installed with --no-deps into a fresh venv whose dependencies come from this venv's
site-packages (a path entry: nothing is downloaded). So the package under test is the built wheel,
not the editable checkout: the default policy must be inside it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pip_install_then_check_in_any_directory_uses_the_packaged_default(tmp_path: Path) -> None:
    # GIVEN a wheel built from the source as cloned
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("hook", "policies"):
        shutil.copytree(ROOT / folder, src / folder, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(wheels), str(src)],
                   check=True, timeout=300, capture_output=True, cwd=tmp_path)
    wheel = next(wheels.glob("govhook-*.whl"))
    # AND installed (not editable) into a fresh venv that finds its dependencies in this venv
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = [p for p in [*site.getsitepackages(), sysconfig.get_paths()["purelib"]] if os.path.isdir(p)]
    (Path(purelib) / "_deps_from_test_venv.pth").write_text("\n".join(dict.fromkeys(ours)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                    "--disable-pip-version-check", str(wheel)], check=True, timeout=300, capture_output=True)
    # AND a template in a directory of one's own, no policy anywhere, no repository file on the path
    work = tmp_path / "mine"
    work.mkdir()
    (work / "t.yaml").write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
                                 "    Properties: {Runtime: nodejs18.x, Handler: a.b, Role: r, Code: {ZipFile: x}}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GOVHOOK_POLICY")}
    # WHEN the installed govhook checks it
    where = subprocess.run([str(py), "-c", "import hook; print(hook.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    proc = subprocess.run([str(venv / "bin" / "govhook"), "check", "t.yaml", "--format", "json"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    # THEN the package is the installed one, and the verdict comes from its packaged default policy
    assert str(venv) in where and str(ROOT) not in where
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["policy"] == {"source": "packaged default", "path": "hook/data/default.policy.yaml"}
    assert {"lambda.runtime-allowed", "lambda.runtime-supported"} <= {
        f["rule_id"] for f in doc["findings"] if f["disposition"] == "blocking"}


def test_make_demo_installs_the_runtime_dependencies_only(tmp_path: Path) -> None:
    # GIVEN a fresh venv location, WHEN make demo would run
    proc = subprocess.run(["make", "-n", "demo", f"VENV={tmp_path / 'v'}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    # THEN it installs the package with its runtime deps (and SAM for the samples), not the dev tools
    installs = [ln for ln in proc.stdout.splitlines() if "pip" in ln and " install -q" in ln]
    assert installs and all("'.[sam]'" in ln and "[dev]" not in ln for ln in installs), installs
    assert "govhook check sample/" in proc.stdout
