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
from hook.cli.adapters.sam import expand
from hook.cli.adapters.sam_fast import sam_api
from hook.cli.adapters.template import _is_sam, targets_from_template
sam_api()
if sys.argv[1] == "boto3-first":
    from hook.cli.adapters import sam_equivalents
    sam_equivalents.uninstall()  # samtranslator's own helpers, not the stand-ins
from hook.inputs.yamlcfn import load_template_nodes, read_source
out = {}
for f in sys.argv[2:]:
    try:
        template, _ = load_template_nodes(read_source(f), f)
        if _is_sam(template):
            targets, notes = targets_from_template(template, file=f)
            out[f] = [repr(t) for t in targets] + notes
            expanded, origins = expand(template, {}, region="us-east-1", account_id="123456789012", file=f)
            out[f + " expanded"] = json.dumps([expanded, origins], sort_keys=True, default=repr)
    except Exception as exc:
        out[f] = f"{type(exc).__name__}: {exc}"
from hook.cli.adapters import sam_equivalents
out["stand-ins installed"] = sam_equivalents.installed()
out["boto3 imported"] = [m for m in sys.modules if m == "boto3" or m.startswith(("botocore.client", "botocore.exceptions"))]
import jsonschema, pydantic_core  # imported after the translator: the real libraries
out["later imports"] = [pydantic_core.SchemaValidator.__module__, jsonschema.validate.__module__]
out["stand-ins left"] = [n for n, m in sys.modules.items() if "govhook stand-in" in (getattr(m, "__doc__", "") or "")]
print(json.dumps(out, sort_keys=True))
"""


def _dump(mode: str, files: list[str]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", DUMP, mode, *files], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(proc.stdout)
    return result


@pytest.mark.skipif(not CORPUS.is_dir(), reason="public corpus not present")
def test_stand_in_expansion_is_identical_to_the_normal_import_on_corpus_templates() -> None:
    # GIVEN every SAM template of the public corpus (Globals, events, AutoPublishAlias, policy
    # templates, GraphQL APIs and the other resource types whose models are loaded on first use)
    files = sorted(str(p) for p in (CORPUS / "serverless-patterns").glob("*template*"))
    files += sorted(str(p) for p in (CORPUS / "sam-translator").glob("*.yaml"))
    # WHEN they are expanded in a process that imported boto3 first (samtranslator imported the
    # normal way, its own helpers), and in one that did not (stand-ins, lazy models, the helpers of
    # hook.cli.adapters.sam_equivalents)
    normal = _dump("boto3-first", files)
    fast = _dump("stand-in", files)
    # THEN the expansions and targets are the same, the fast process never imported boto3,
    # botocore.client or botocore.exceptions, and what it imports later is the real pydantic_core
    # and jsonschema
    assert sorted(normal.pop("boto3 imported")) == ["boto3", "botocore.client", "botocore.exceptions"]
    assert fast.pop("boto3 imported") == []
    assert fast["later imports"] == ["pydantic_core._pydantic_core", "jsonschema.validators"]
    assert fast["stand-ins left"] == []
    assert (normal.pop("stand-ins installed"), fast.pop("stand-ins installed")) == (False, True)
    assert sum(1 for k in normal if k.endswith(" expanded")) > 150
    assert fast == normal


POLICY_TEMPLATES = r"""
import json, sys
from hook.cli.adapters.sam_fast import bundled_policy_templates, sam_api
sam_api()
assert "jsonschema" not in sys.modules
from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor
def shape(p):
    return {n: [t.name, t.parameters, t.definition] for n, t in sorted(p.policy_templates.items())}
ours = shape(bundled_policy_templates())
validated = shape(PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json()))
try:
    PolicyTemplatesProcessor({"Version": "0.0.1", "Templates": {"Bad": {"Definition": 1}}})
    bad = "accepted"
except ValueError as exc:
    bad = "ValueError"
print(json.dumps({"same": ours == validated, "count": len(ours), "bad": bad, "jsonschema": "jsonschema" in sys.modules}))
"""


def test_bundled_policy_templates_are_what_samtranslator_builds_after_validating_them() -> None:
    # GIVEN samtranslator imported the fast way (jsonschema not imported)
    # WHEN the bundled policy templates are built without the schema check, and with it
    proc = subprocess.run([sys.executable, "-c", POLICY_TEMPLATES], capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    # THEN they are the same templates; the check, when asked for, imports the real jsonschema
    # and rejects a bad dictionary with samtranslator's ValueError
    assert result == {"same": True, "count": result["count"], "bad": "ValueError", "jsonschema": True}
    assert result["count"] > 50


LAZY = r"""
import json, sys
from hook.cli.adapters.sam import expand
from hook.cli.adapters.sam_fast import LAZY_SCHEMAS
fn = {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.13", "Handler": "a.h",
      "CodeUri": "s3://b/k", "Events": {"Get": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}}}}
template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": fn}}
def state():  # each module: "none" of its statements ran, "some" or "all"
    out = {}
    for n in LAZY_SCHEMAS:
        pieces = sys.modules[n].__dict__["_govhook_pieces"]
        total = len(pieces.statements or ())
        done = len(pieces.done)
        out[n.rsplit("_", 1)[-1]] = "all" if pieces.whole or (done and done == total) else "some" if done else "none"
    return out
expand(template, {}, region="us-east-1", account_id="123456789012")
out = {"after a function": state()}
fn["Properties"]["CapacityProviderConfig"] = {"Arn": "arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp"}
try:
    expand(template, {}, region="us-east-1", account_id="123456789012")
except Exception as exc:
    out["error"] = str(exc)
out["after a capacity provider config"] = state()
print(json.dumps(out))
"""


def test_models_a_template_does_not_need_are_not_loaded() -> None:
    # GIVEN a process that expands a SAM function with an API event
    proc = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    # THEN none of the models of the rarely used types, of the GraphQL API (read by samtranslator's
    # import only in annotations) and of the function's properties has been built; a
    # CapacityProviderConfig, which samtranslator checks with one of the function's models, builds
    # that model and what it needs, not the module's other models
    assert result["after a function"] == {"function": "none", "provider": "none", "microvmimage": "none",
                                          "networkconnector": "none", "graphqlapi": "none"}
    assert result["after a capacity provider config"]["function"] == "some"
    assert "error" not in result
