"""samtranslator loaded without boto3 (hook.cli.adapters.sam_fast) expands exactly as when loaded normally."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")

DUMP = r"""
import json, sys
if sys.argv[1] == "boto3-first":
    import boto3  # noqa: F401  (samtranslator is then imported the normal way)
from hook.cli.adapters.template import _is_sam, targets_from_template
from hook.inputs.yamlcfn import load_template_nodes, read_source
out = {}
for f in sys.argv[2:]:
    try:
        template, _ = load_template_nodes(read_source(f), f)
        if _is_sam(template):
            targets, notes = targets_from_template(template, file=f)
            out[f] = [repr(t) for t in targets] + notes
    except Exception as exc:
        out[f] = f"{type(exc).__name__}: {exc}"
out["boto3 imported"] = [m for m in sys.modules if m == "boto3" or m.startswith("botocore.client")]
print(json.dumps(out, sort_keys=True))
"""


def _dump(mode: str, files: list[str]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", DUMP, mode, *files], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(proc.stdout)
    return result


@pytest.mark.skipif(not CORPUS.is_dir(), reason="public corpus not present")
def test_stand_in_expansion_is_identical_to_the_normal_import_on_corpus_templates() -> None:
    # GIVEN every fourth SAM template of the public corpus (Globals, events, AutoPublishAlias, policy templates)
    files = sorted(str(p) for p in (CORPUS / "serverless-patterns").glob("*template*"))[::4]
    files += sorted(str(p) for p in (CORPUS / "sam-translator").glob("*.yaml"))[::4]
    # WHEN they are expanded in a process that imported boto3 first, and in one that did not
    normal = _dump("boto3-first", files)
    fast = _dump("stand-in", files)
    # THEN the targets are the same, and the fast process never imported boto3 or botocore.client
    assert sorted(normal.pop("boto3 imported")) == ["boto3", "botocore.client"]
    assert fast.pop("boto3 imported") == []
    assert len(normal) > 40
    assert fast == normal
