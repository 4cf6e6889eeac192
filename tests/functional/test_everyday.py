"""govhook check as a user meets it: the installed CLI, run in a directory of their own (issue 13, 11).

Every test runs ``python -m hook.cli`` in a temporary directory outside the repository, with no
repository file on the path (the package as installed in the venv), and reads what a user reads:
stdout, stderr, the exit code and the report files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BLOCKED_FN = (
    "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
    "    Properties: {Runtime: nodejs18.x, Handler: a.b, Role: r, Code: {ZipFile: x}}\n"
)
GOOD_FN = (
    "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
    "    Properties: {Runtime: python3.13, Handler: a.b, Role: r, Code: {ZipFile: x}}\n"
)
ONLY_NODE18 = "version: 1\nrules:\n  lambda.runtime-allowed: {params: {allowed: [nodejs18.x]}}\n"
ONLY_PY = "version: 1\nrules:\n  lambda.runtime-allowed: {params: {allowed: [python3.13]}}\n"


def govhook(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("GOVHOOK_POLICY", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-m", "hook.cli", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    """A directory of the user's own, outside the repository."""
    assert ROOT not in tmp_path.parents
    return tmp_path


# -- works anywhere: policy discovery ------------------------------------------------------------

def test_the_packaged_default_policy_is_used_outside_the_repository(home: Path) -> None:
    # GIVEN a template in a directory of one's own, no policy anywhere
    (home / "t.yaml").write_text(BLOCKED_FN)
    # WHEN it is checked with no --policy
    proc = govhook(home, "check", "t.yaml")
    # THEN the default policy shipped in the package gives the verdict, and the report says so
    assert proc.returncode == 1, proc.stderr
    assert "policy: hook/data/default.policy.yaml (the packaged default" in proc.stdout
    assert "lambda.runtime-supported" in proc.stdout
    doc = json.loads(govhook(home, "check", "t.yaml", "--format", "json").stdout)
    assert doc["policy"] == {"source": "packaged default", "path": "hook/data/default.policy.yaml"}


def test_discovery_order_policy_flag_then_env_then_project_file_then_default(home: Path) -> None:
    # GIVEN a project with .govhook.yaml at its root, and a template two folders below
    (home / ".govhook.yaml").write_text(ONLY_NODE18)
    deep = home / "stacks" / "api"
    deep.mkdir(parents=True)
    (deep / "t.yaml").write_text(BLOCKED_FN)
    (home / "py-only.yaml").write_text(ONLY_PY)

    def policy_of(proc: subprocess.CompletedProcess[str]) -> tuple[int, dict[str, str]]:
        return proc.returncode, json.loads(proc.stdout)["policy"]

    # WHEN it is checked from the template's folder: the project file, found upwards
    code, pol = policy_of(govhook(deep, "check", "t.yaml", "--format", "json"))
    assert code == 0 and pol["source"] == ".govhook.yaml" and pol["path"].endswith(".govhook.yaml")
    # ... and from anywhere else: the search starts at the checked path, not the working directory
    code, pol = policy_of(govhook(home.parent, "check", str(deep / "t.yaml"), "--format", "json"))
    assert code == 0 and pol["source"] == ".govhook.yaml"
    # GOVHOOK_POLICY wins over the project file
    code, pol = policy_of(govhook(deep, "check", "t.yaml", "--format", "json", env={"GOVHOOK_POLICY": str(home / "py-only.yaml")}))
    assert code == 1 and pol["source"] == "GOVHOOK_POLICY"
    # --policy wins over both
    code, pol = policy_of(govhook(deep, "check", "t.yaml", "--format", "json", "--policy", str(home / ".govhook.yaml"),
                                  env={"GOVHOOK_POLICY": str(home / "py-only.yaml")}))
    assert code == 0 and pol["source"] == "--policy"
    # without the project file: the packaged default
    (home / ".govhook.yaml").unlink()
    code, pol = policy_of(govhook(deep, "check", "t.yaml", "--format", "json"))
    assert code == 1 and pol["source"] == "packaged default"


def test_pyproject_tool_govhook_names_a_policy_or_is_one(home: Path) -> None:
    # GIVEN a pyproject.toml whose [tool.govhook] names a policy file
    (home / "policies").mkdir()
    (home / "policies" / "team.yaml").write_text(ONLY_NODE18)
    (home / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.govhook]\npolicy = "policies/team.yaml"\n')
    (home / "t.yaml").write_text(BLOCKED_FN)
    # WHEN checked: that policy (nodejs18.x allowed) decides
    proc = govhook(home, "check", "t.yaml", "--format", "json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 0 and doc["policy"]["source"].startswith("pyproject.toml")
    assert doc["policy"]["path"] == os.path.join("policies", "team.yaml")
    # GIVEN the table is the policy itself
    (home / "pyproject.toml").write_text(
        '[tool.govhook]\nversion = 1\n[tool.govhook.rules."lambda.runtime-allowed".params]\nallowed = ["python3.13"]\n')
    proc = govhook(home, "check", "t.yaml")
    assert proc.returncode == 1 and "(from pyproject.toml [tool.govhook])" in proc.stdout
    # a pyproject.toml without [tool.govhook] is not a govhook project file
    (home / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert "the packaged default" in govhook(home, "check", "t.yaml").stdout


# -- every file gets its verdict -------------------------------------------------------------------

@pytest.fixture()
def mixed(home: Path) -> Path:
    (home / "good.yaml").write_text(GOOD_FN)
    (home / "bad.yaml").write_text(BLOCKED_FN)
    (home / "broken.yaml").write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: [\n")
    (home / "broken2.json").write_text('{"Resources": {"Fn": {"Type": "AWS::Lambda::Function",}}}')
    return home


def test_broken_files_are_named_and_the_others_still_get_their_verdict_as_text(mixed: Path) -> None:
    # WHEN two broken and two good files are checked in one run
    proc = govhook(mixed, "check", "broken.yaml", "good.yaml", "broken2.json", "bad.yaml", "missing.yaml")
    # THEN each bad input is one line on stderr with its file and line, and exit 2
    errors = proc.stderr.splitlines()
    assert proc.returncode == 2
    assert len(errors) == 3, errors
    assert errors[0].startswith("govhook: error: broken.yaml:5:") and "not valid YAML" in errors[0]
    assert errors[1].startswith("govhook: error: broken2.json:1:") and "not valid JSON" in errors[1]
    assert errors[2] == "govhook: error: missing.yaml: no such file or directory"
    # AND the readable files got their verdicts
    assert "good.yaml  passed" in proc.stdout and "bad.yaml  BLOCKED" in proc.stdout
    assert proc.stdout.rstrip().endswith("3 inputs not checked (errors on stderr)")


def test_input_errors_are_in_json_sarif_and_junit(mixed: Path) -> None:
    args = ("check", "broken.yaml", "good.yaml", "bad.yaml")
    # JSON
    proc = govhook(mixed, *args, "--format", "json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 2 and doc["files"] == ["bad.yaml", "good.yaml"]
    assert [(e["file"], e["line"]) for e in doc["input_errors"]] == [("broken.yaml", 5)]
    assert any(f["disposition"] == "blocking" for f in doc["findings"])
    # SARIF: the run's invocation carries the error as a toolExecutionNotification
    proc = govhook(mixed, *args, "--format", "sarif")
    run = json.loads(proc.stdout)["runs"][0]
    inv = run["invocations"][0]
    assert proc.returncode == 2 and inv["executionSuccessful"] is False
    note = inv["toolExecutionNotifications"][0]
    assert note["level"] == "error" and "not valid YAML" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.yaml"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert any(r["level"] == "error" for r in run["results"])
    # JUnit: an <error> case for the broken file, failures for the blocked one
    proc = govhook(mixed, *args, "--format", "junit", "--output", "r.xml")
    root = ET.fromstring((mixed / "r.xml").read_text())
    assert proc.returncode == 2 and root.get("errors") == "1" and int(root.get("failures", "0")) >= 1
    err = root.find("testsuite[@name='broken.yaml']/testcase/error")
    assert err is not None and "broken.yaml:5:" in err.get("message", "")


# -- pathological files: one line, exit 2, quickly, bounded memory --------------------------------

def _alias_bomb(key: str) -> str:
    levels = ["        - &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for i in range(1, 9):
        levels.append(f"        - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    body = "\n".join(levels)
    return (f"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.13\n"
            f"      {key}:\n{body}\n")


@pytest.mark.parametrize("key", ["Tags", "Layers", "Architectures"])
def test_a_yaml_alias_bomb_is_refused_at_once(home: Path, key: str) -> None:
    # GIVEN a "billion laughs" of 10^9 values in a few hundred bytes
    (home / "bomb.yaml").write_text(_alias_bomb(key))
    # WHEN checked (under a memory cap of 512 MB: the expansion would need tens of GB)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 29, 1 << 29)); "
         "from hook.cli import main; sys.exit(main(['check', 'bomb.yaml']))"],
        cwd=home, capture_output=True, text=True, timeout=60, check=False)
    # THEN one line at the line of the anchor that multiplies, exit 2, in seconds
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("govhook: error: bomb.yaml:")
    assert "YAML aliases expand this node to more than 1,000,000 values" in proc.stderr
    assert time.monotonic() - start < 20


def test_aliased_maps_in_environment_variables_are_refused_at_once(home: Path) -> None:
    # GIVEN aliased maps that multiply to 10^7 paths under Environment.Variables
    levels = ["      x0: &m0 {" + ", ".join(f"k{i}: v" for i in range(10)) + "}"]
    for n in range(1, 7):
        levels.append(f"      x{n}: &m{n} {{" + ", ".join(f"k{i}: *m{n - 1}" for i in range(10)) + "}")
    (home / "maps.yaml").write_text(
        "Mappings:\n  Bomb:\n" + "\n".join(levels) + "\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      Runtime: python3.13\n      Environment: {Variables: *m6}\n")
    start = time.monotonic()
    proc = govhook(home, "check", "maps.yaml")
    assert proc.returncode == 2 and "YAML aliases expand this node to more than 1,000,000 values" in proc.stderr
    assert time.monotonic() - start < 20


def test_modest_aliases_still_work(home: Path) -> None:
    # GIVEN tags shared by an anchor, as teams write them
    (home / "t.yaml").write_text(
        "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.13\n"
        "      Tags: &tags [{Key: team, Value: a}]\n  B:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.13, Tags: *tags}\n")
    proc = govhook(home, "check", "t.yaml", "--policy", str(_policy(home, "version: 1\nrules:\n  lambda.tags-required: {params: {keys: [team]}}\n")))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _policy(home: Path, text: str) -> Path:
    path = home / "p.policy.yaml"
    path.write_text(text)
    return path


def test_a_template_over_cloudformations_size_limit_is_refused_before_reading(home: Path) -> None:
    # GIVEN a 50 MB template
    big = home / "big.yaml"
    with big.open("w") as fh:
        fh.write("Resources:\n")
        chunk = "".join(f"  F{i}:\n    Type: AWS::Lambda::Function\n    Properties: {{Runtime: python3.13}}\n" for i in range(1000))
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk.replace("  F", f"  F{fh.tell()}x"))
    start = time.monotonic()
    proc = govhook(home, "check", "big.yaml")
    # THEN CloudFormation's limits are named, in one line, at once
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "CloudFormation accepts a template of at most 1,048,576 bytes (1 MB) from S3 and 51,200 bytes inline" in proc.stderr
    assert time.monotonic() - start < 10


def test_more_than_500_resources_is_refused(home: Path) -> None:
    (home / "many.yaml").write_text("Resources:\n" + "".join(
        f"  F{i}:\n    Type: AWS::SQS::Queue\n" for i in range(501)))
    proc = govhook(home, "check", "many.yaml")
    assert proc.returncode == 2 and "the template declares 501 resources; CloudFormation accepts at most 500" in proc.stderr


def test_foreach_expanding_past_500_resources_stops_as_it_grows(home: Path) -> None:
    # GIVEN Fn::ForEach loops nested to 10^6 functions (in 20 KB)
    outer = ", ".join(f"a{i}" for i in range(1000))
    inner = ", ".join(f"b{i}" for i in range(1000))
    (home / "loops.yaml").write_text(
        "Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::A:\n    - X\n"
        f"    - [{outer}]\n    - Fn::ForEach::B:\n        - Y\n        - [{inner}]\n"
        '        - "F${X}${Y}":\n            Type: AWS::Lambda::Function\n            Properties: {Runtime: python3.13}\n')
    start = time.monotonic()
    proc = govhook(home, "check", "loops.yaml")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "expands to more than 500 entries; CloudFormation accepts at most 500 resources" in proc.stderr
    assert proc.stderr.startswith("govhook: error: loops.yaml:")
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(("conditions", "expected"), [
    ("  A: !Condition A\n", "condition A refers to itself"),
    ("  A: !Not [!Condition B]\n  B: !And [!Condition A, !Equals [a, a]]\n", "condition A is circular: A -> B -> A"),
])
def test_circular_conditions_are_refused(home: Path, conditions: str, expected: str) -> None:
    (home / "c.yaml").write_text("Conditions:\n" + conditions + "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
                                 "    Condition: A\n    Properties: {Runtime: python3.13}\n")
    proc = govhook(home, "check", "c.yaml")
    assert proc.returncode == 2 and expected in proc.stderr and proc.stderr.startswith("govhook: error: c.yaml:2:")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_special_files_are_one_line_each_and_the_rest_is_checked(home: Path) -> None:
    # GIVEN a FIFO, a symlink loop, a dangling symlink, /dev/null and /dev/zero named as templates
    os.mkfifo(home / "pipe.yaml")
    os.symlink(home / "loop-b", home / "loop-a")
    os.symlink(home / "loop-a", home / "loop-b")
    os.symlink(home / "gone.yaml", home / "dangling.yaml")
    (home / "good.yaml").write_text(GOOD_FN)
    # WHEN checked together with a good template
    start = time.monotonic()
    proc = govhook(home, "check", "pipe.yaml", "loop-a", "dangling.yaml", "/dev/null", "/dev/zero", "good.yaml", timeout=30)
    # THEN each is one line with what it is, the good one is checked, exit 2, without hanging
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and len(lines) == 5, proc.stderr
    assert "pipe.yaml: cannot read template: a named pipe (FIFO), not a regular file" in lines[0]
    assert "loop-a: cannot read template: a symlink loop" in lines[1]
    assert "dangling.yaml: cannot read template: a dangling symlink" in lines[2]
    assert "/dev/null: cannot read template: a character device" in lines[3]
    assert "/dev/zero: cannot read template: a character device" in lines[4]
    assert "good.yaml  passed" in proc.stdout
    assert time.monotonic() - start < 20


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_a_directory_walk_skips_what_is_not_a_regular_file_with_a_note(home: Path) -> None:
    # GIVEN a folder with a FIFO named *.yaml, a dangling symlink, a symlink loop to itself, a template
    folder = home / "stacks"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")
    os.symlink(folder / "gone.yaml", folder / "dangling.yaml")
    os.symlink(folder, folder / "again")
    (folder / "t.yaml").write_text(BLOCKED_FN)
    # WHEN the folder is checked
    proc = govhook(home, "check", "stacks", timeout=30)
    # THEN the template is checked, the others are skipped with a note, nothing hangs or loops
    assert proc.returncode == 1, proc.stderr
    assert "stacks/t.yaml  BLOCKED" in proc.stdout
    assert "note: stacks/pipe.yaml: skipped (a named pipe (FIFO), not a regular file)" in proc.stdout
    assert "note: stacks/dangling.yaml: skipped (a dangling symlink" in proc.stdout
    assert "stacks/again" not in proc.stdout


# -- quiet by default, complete on request ---------------------------------------------------------

def test_text_shows_gaps_by_default_and_everything_with_verbose(home: Path) -> None:
    # GIVEN a function whose memory comes from a parameter without a default (a gap) and no env vars
    (home / "t.yaml").write_text(
        "Parameters:\n  Mem: {Type: Number}\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.13, Handler: a.b, Role: r, Code: {ZipFile: x}, MemorySize: !Ref Mem}\n")
    quiet = govhook(home, "check", "t.yaml").stdout
    loud = govhook(home, "check", "t.yaml", "-v").stdout
    doc = json.loads(govhook(home, "check", "t.yaml", "--format", "json").stdout)
    # THEN the unresolved value's skip is shown with its reason; not-applicable skips and passes only with -v
    assert "SKIP            lambda.memory-within-bounds\n           /MemorySize is not known before deployment" in quiet
    assert "parameter Mem has no default" in quiet
    assert "lambda.env-no-plaintext-secrets" not in quiet and "PASS  " not in quiet
    assert "not applicable" in quiet and "-v shows them" in quiet
    assert "PASS   high     lambda.runtime-allowed" in loud
    assert "lambda.snapstart-for-java" in loud and "-v shows them" not in loud
    # AND JSON always has every finding, with gap marked
    by_rule = {f["rule_id"]: f for f in doc["findings"] if f["logical_id"] == "Fn"}
    assert by_rule["lambda.memory-within-bounds"]["gap"] is True
    assert by_rule["lambda.snapstart-for-java"]["disposition"] == "skipped" and by_rule["lambda.snapstart-for-java"]["gap"] is False
    assert by_rule["lambda.runtime-allowed"]["disposition"] == "passed"


# -- baseline --------------------------------------------------------------------------------------

def test_baseline_round_trip(home: Path) -> None:
    # GIVEN a template with known debt, and its baseline written
    tpl = home / "t.yaml"
    tpl.write_text(BLOCKED_FN)
    proc = govhook(home, "check", "t.yaml", "--write-baseline", "base.json")
    assert proc.returncode == 1 and "wrote" in proc.stderr
    base = json.loads((home / "base.json").read_text())
    assert {f["rule_id"] for f in base["findings"]} >= {"lambda.runtime-allowed", "lambda.runtime-supported"}
    # WHEN checked against it: nothing new, exit 0, the known findings counted
    proc = govhook(home, "check", "t.yaml", "--baseline", "base.json")
    assert proc.returncode == 0, proc.stdout
    assert "0 blocking (2 more in the baseline base.json)" in proc.stdout and "t.yaml  passed (2 baselined)" in proc.stdout
    assert "KNOWN " in govhook(home, "check", "t.yaml", "--baseline", "base.json", "-v").stdout
    # WHEN lines move (a comment and a parameter above the resource): still baselined
    tpl.write_text("# moved\nParameters:\n  X: {Type: String, Default: x}\n" + BLOCKED_FN)
    assert govhook(home, "check", "t.yaml", "--baseline", "base.json").returncode == 0
    # WHEN a new violating function is added: only it fails
    tpl.write_text(tpl.read_text() + "  Fn2:\n    Type: AWS::Lambda::Function\n"
                   "    Properties: {Runtime: python3.13, MemorySize: 10240, Handler: a.b, Role: r, Code: {ZipFile: x}}\n")
    proc = govhook(home, "check", "t.yaml", "--baseline", "base.json", "--format", "json")
    doc = json.loads(proc.stdout)
    new = [f for f in doc["findings"] if f["disposition"] == "blocking" and not f["baselined"]]
    assert proc.returncode == 1 and doc["blocking"] is True
    assert [(f["logical_id"], f["rule_id"]) for f in new] == [("Fn2", "lambda.memory-within-bounds")]
    assert doc["summary"]["baselined"] == 2 and doc["summary"]["blocking"] == 3
    # AND SARIF marks each result new or unchanged; the fingerprints are the baseline's keys
    sarif = json.loads(govhook(home, "check", "t.yaml", "--baseline", "base.json", "--format", "sarif").stdout)
    states = {(r["locations"][0]["logicalLocations"][0]["name"], r["ruleId"]): r["baselineState"]
              for r in sarif["runs"][0]["results"] if r["level"] == "error"}
    assert states[("Fn2", "lambda.memory-within-bounds")] == "new"
    assert states[("Fn", "lambda.runtime-allowed")] == "unchanged"
    fps = {r["partialFingerprints"]["govhook/v1"] for r in sarif["runs"][0]["results"]}
    assert {f["fingerprint"] for f in base["findings"]} <= fps


def test_a_bad_baseline_is_one_line(home: Path) -> None:
    (home / "t.yaml").write_text(GOOD_FN)
    (home / "base.json").write_text("[]")
    proc = govhook(home, "check", "t.yaml", "--baseline", "base.json")
    assert proc.returncode == 2 and proc.stderr.startswith("govhook: error: base.json: not a govhook baseline")


# -- smaller things a user meets -------------------------------------------------------------------

def test_replay_of_a_stack_event_without_payload_is_a_usage_error(home: Path) -> None:
    proc = govhook(home, "replay", str(ROOT / "sample" / "events" / "stack.json"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "pass --payload FILE" in proc.stderr


def test_check_help_gives_exit_codes_discovery_and_aws_options(home: Path) -> None:
    out = govhook(home, "check", "--help").stdout
    assert "exit codes: 0 nothing blocking; 1 a deploy would be blocked" in out
    assert "GOVHOOK_POLICY; .govhook.yaml or pyproject.toml [tool.govhook]" in out
    for option in ("--profile", "--region", "--baseline", "--write-baseline", "--verbose", "--format", "--no-color"):
        line = next(ln for ln in out.splitlines() if option in ln)
        assert len(line.split(option, 1)[1].strip()) > 0 or "help" in out, option
    assert "the Region of every AWS call" in " ".join(out.split())
    replay = govhook(home, "replay", "--help").stdout
    assert "presigned payload URL" in " ".join(replay.split()) and "EVENT.json" in replay


def test_the_policy_s_limit_is_not_mistaken_for_lambda_s(home: Path) -> None:
    (home / "t.yaml").write_text(GOOD_FN.replace("python3.13,", "python3.13, MemorySize: 10240,"))
    proc = govhook(home, "check", "t.yaml")
    assert "MemorySize is 10240 MB; the policy's maximum is 3008 MB (Lambda accepts up to 10240 MB)" in proc.stdout


def test_explain_prints_no_restructured_text_markup(home: Path) -> None:
    out = govhook(home, "explain", "lambda.runtime-allowed").stdout
    assert "``" not in out and "Runtime" in out
