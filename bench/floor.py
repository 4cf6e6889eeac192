"""The plain-Python floor: libyaml parse + the four checks, nothing else (whole process).

Usage: python bench/floor.py PATH...   (files or directories of templates)
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ALLOWED = {"python3.12", "python3.13", "nodejs20.x", "nodejs22.x", "java21", "provided.al2023"}


def main(paths: list[str]) -> int:
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.rglob("*.yaml")) if p.is_dir() else [p])
    bad = 0
    for f in files:
        doc = yaml.load(f.read_text(), Loader=yaml.CSafeLoader)
        for res in doc.get("Resources", {}).values():
            if res.get("Type") != "AWS::Lambda::Function":
                continue
            props = res.get("Properties", {})
            if props.get("PackageType") != "Image" and props.get("Runtime") not in ALLOWED:
                bad += 1
            mem = props.get("MemorySize")
            if isinstance(mem, int) and not 128 <= mem <= 3008:
                bad += 1
            timeout = props.get("Timeout")
            if isinstance(timeout, int) and timeout > 300:
                bad += 1
            rc = props.get("ReservedConcurrentExecutions")
            if isinstance(rc, int) and rc > 100:
                bad += 1
    print(f"{len(files)} files, {bad} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
