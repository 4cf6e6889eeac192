"""The template adapter resolves what CloudFormation resolves before resource hooks, and no more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hook.cli.adapters.template import load_targets, targets_from_template
from hook.core.errors import TemplateError
from hook.core.model import ResourceTarget, StackTarget
from hook.inputs.locations import Locator
from hook.inputs.yamlcfn import load_template_text
from hook.sdk import Unresolved

ROOT = Path(__file__).resolve().parents[2]


def props(text: str, **kw: Any) -> dict[str, Any]:
    targets, _ = targets_from_template(load_template_text(text), stack_name="app", **kw)
    res = [t for t in targets if isinstance(t, ResourceTarget) and t.logical_id == "Fn"]
    assert isinstance(targets[-1], StackTarget)
    return dict(res[0].properties) if res else {}


BASE = """
Parameters:
  Stage: {Type: String, Default: dev}
  Mem: {Type: Number, Default: 256}
  NoDefault: {Type: String}
  Ids: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  M: {dev: {Size: 128}, prod: {Size: 1024}}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Equals [a, a]]
Resources:
  Q: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
"""


def test_every_short_tag_becomes_its_long_form() -> None:
    doc = load_template_text("A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub 'x'\nD: !Join [',', [a]]\nE: !Select [0, [a]]\n"
                             "F: !Split [',', 'a,b']\nG: !FindInMap [M, a, b]\nH: !If [C, 1, 2]\nI: !Base64 x\n"
                             "J: !GetAZs ''\nK: !ImportValue e\nL: !Cidr [a, 1, 2]\nN: !Condition C\nO: !Equals [a, b]\n"
                             "Resources: {}\nV: 2010-09-09\n")
    assert doc["A"] == {"Ref": "X"} and doc["B"] == {"Fn::GetAtt": ["R", "Arn"]} and doc["N"] == {"Condition": "C"}
    for key, fn in zip("CDEFGHIJKLO", ["Sub", "Join", "Select", "Split", "FindInMap", "If", "Base64", "GetAZs",
                                          "ImportValue", "Cidr", "Equals"], strict=True):
        assert list(doc[key]) == [f"Fn::{fn}"], key
    assert doc["V"] == "2010-09-09"


def test_parameters_pseudo_parameters_and_intrinsics_resolve() -> None:
    p = props(BASE + """      A: !Ref Stage
      B: !Ref Mem
      C: !Sub "${AWS::Region}-${Stage}-${!Literal}"
      D: !Join ["-", [!Ref AWS::AccountId, !Ref AWS::Partition]]
      E: !Select [1, !Ref Ids]
      F: !FindInMap [M, !Ref Stage, Size]
      G: !If [IsProd, big, small]
      H: !If [Both, "yes", "no"]
      I: !Split [",", "x,y"]
      J: !Sub ["${A}-x", {A: !Ref Stage}]
      K: !Base64 hi
      L: !Ref AWS::NoValue
      M: [1, !Ref AWS::NoValue, 2]
""", region="cn-north-1")
    assert p["A"] == "dev" and p["B"] == "256" and p["C"] == "cn-north-1-dev-${Literal}"
    assert p["D"] == "123456789012-aws-cn" and p["E"] == "b" and p["F"] == 128
    assert p["G"] == "small" and p["H"] == "yes" and p["I"] == ["x", "y"] and p["J"] == "dev-x" and p["K"] == "aGk="
    assert "L" not in p and p["M"] == [1, 2]


def test_overrides_win_and_unknowable_values_stay_unresolved() -> None:
    p = props(BASE + """      A: !Ref Stage
      B: !Ref NoDefault
      C: !GetAtt Q.Arn
      D: !Sub "${Q.Arn}/x"
      E: !ImportValue shared
      F: !Join ["", [a, !Ref Q]]
      G: "{{resolve:secretsmanager:db}}"
""", parameters={"Stage": "prod"})
    assert p["A"] == "prod"
    for key in "BCDEF":
        assert isinstance(p[key], Unresolved), key
    assert "pass --param NoDefault" in p["B"].reason
    assert p["G"] == "{{resolve:secretsmanager:db}}"


def test_resources_with_a_false_condition_are_not_targets() -> None:
    targets, _ = targets_from_template(load_template_text(BASE.replace("  Fn:\n", "  Fn:\n    Condition: IsProd\n")
                                                          + "      Runtime: x\n"), stack_name="s")
    assert [t.logical_id for t in targets if isinstance(t, ResourceTarget)] == ["Q"]


def test_sam_globals_reach_the_expanded_function_and_point_back() -> None:
    result = load_targets(str(ROOT / "sample" / "templates" / "sam-globals.yaml"))
    fns = {t.logical_id: t for t in result.targets if isinstance(t, ResourceTarget) and t.resource_type == "AWS::Lambda::Function"}
    assert set(fns) == {"GetOrderFunction", "NightlyReportFunction"}
    fn = fns["NightlyReportFunction"]
    assert fn.properties["Runtime"] == "python3.13" and fn.properties["Timeout"] == 120 and fn.properties["MemorySize"] == 256
    assert fn.properties["TracingConfig"] == {"Mode": "Active"}
    role = next(t for t in result.targets if isinstance(t, ResourceTarget) and t.logical_id == "NightlyReportFunctionRole")
    assert role.source_pointer == "/Resources/NightlyReportFunction/Properties"
    stack = result.targets[-1]
    assert isinstance(stack, StackTarget) and stack.template["Resources"]["GetOrderFunction"]["Type"] == "AWS::Serverless::Function"


def test_broken_yaml_and_json_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  Fn:\n    Type: [\n")
    with pytest.raises(TemplateError) as exc:
        load_targets(str(bad))
    assert exc.value.file == str(bad) and exc.value.line == 4 and "not valid YAML" in str(exc.value)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{\n  "Resources": {\n    "Fn": }\n}')
    with pytest.raises(TemplateError) as exc:
        load_targets(str(bad_json))
    assert exc.value.line == 3 and "not valid JSON" in str(exc.value)
    with pytest.raises(TemplateError, match="no Resources"):
        targets_from_template({"Resources": {}})


def test_locator_finds_yaml_and_json_lines() -> None:
    loc = Locator()
    loc.add("a.yaml", "Resources:\n  Fn:\n    Properties:\n      Env: {Variables: {A: 1}}\n")
    found = loc.locate("a.yaml", "/Resources/Fn/Properties/Env/Variables/A")
    assert found is not None and (found.line, found.column) == (4, 25)
    missing = loc.locate("a.yaml", "/Resources/Fn/Properties/Nope")
    assert missing is not None and missing.line == 3
    loc.add("b.json", '{\n "Resources": {\n  "Fn": {\n   "Properties": {"Runtime": "x"}}}}')
    found = loc.locate("b.json", "/Resources/Fn/Properties/Runtime")
    assert found is not None and found.line == 4


FOREACH = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Parameters:
  Names: {Type: CommaDelimitedList, Default: "Orders,Billing-Api"}
Resources:
  Fn::ForEach::Functions:
    - Name
    - !Ref Names
    - '&{Name}Function':
        Type: AWS::Lambda::Function
        Properties:
          FunctionName: !Sub "${Name}-fn"
          Runtime: python3.13
          Environment: {Variables: {NAME: !Ref Name}}
"""


def test_fn_foreach_is_unrolled_as_cloudformation_does_before_resource_hooks(tmp_path: Path) -> None:
    # GIVEN a template using Fn::ForEach (AWS::LanguageExtensions) over a CommaDelimitedList parameter
    path = tmp_path / "loop.yaml"
    path.write_text(FOREACH, encoding="utf-8")
    # WHEN its targets are built
    result = load_targets(str(path))
    fns = {t.logical_id: t for t in result.targets if isinstance(t, ResourceTarget)}
    # THEN one function per item, with the identifier replaced in keys, Sub strings and Refs
    assert set(fns) == {"OrdersFunction", "BillingApiFunction"}
    assert fns["BillingApiFunction"].properties["FunctionName"] == "Billing-Api-fn"
    assert fns["OrdersFunction"].properties["Environment"] == {"Variables": {"NAME": "Orders"}}
    # and findings point at the loop body's lines
    assert fns["OrdersFunction"].source_pointer == "/Resources/Fn::ForEach::Functions/2/&{Name}Function/Properties"
    loc = Locator()
    loc.add(str(path), FOREACH)
    found = loc.locate(str(path), fns["OrdersFunction"].source_pointer + "/Runtime")
    assert found is not None and found.line == 13
    # and a --param value is the collection when given
    again = load_targets(str(path), parameters={"Names": "Solo"})
    assert {t.logical_id for t in again.targets if isinstance(t, ResourceTarget)} == {"SoloFunction"}


def test_fn_foreach_with_an_unknown_collection_says_which_parameter_to_pass() -> None:
    # GIVEN a loop over a parameter with no default
    text = FOREACH.replace(', Default: "Orders,Billing-Api"', "")
    # WHEN its targets are built
    # THEN an input error names the parameter (exit 2 in the CLI), not 'has no Type'
    with pytest.raises(TemplateError, match="pass --param Names="):
        targets_from_template(load_template_text(text))


def test_a_key_written_beside_a_yaml_merge_is_located_at_its_own_line(tmp_path: Path) -> None:
    # GIVEN properties shared through an anchor, one of them overridden beside the merge key
    text = ("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: &p {Runtime: python3.13, Handler: a.b}\n"
            "  Fn3:\n    Type: AWS::Lambda::Function\n    Properties:\n      <<: *p\n      Runtime: nodejs18.x\n")
    path = tmp_path / "anchors.yaml"
    path.write_text(text, encoding="utf-8")
    loc = Locator()
    result = load_targets(str(path), locator=loc)
    fn3 = next(t for t in result.targets if isinstance(t, ResourceTarget) and t.logical_id == "Fn3")
    # WHEN the override is located
    found = loc.locate(str(path), fn3.source_pointer + "/Runtime")
    # THEN it is the line the value came from (9), not the anchor's line (4)
    assert fn3.properties["Runtime"] == "nodejs18.x"
    assert found is not None and found.line == 9


def test_a_yaml_boolean_compares_as_cloudformation_text_in_conditions() -> None:
    # GIVEN the common `!Equals [!Ref EnableTracing, true]` with the parameter's default "true",
    # and a default written as an unquoted YAML boolean compared with the text "true"
    text = """
Parameters:
  EnableTracing: {Type: String, Default: "true", AllowedValues: ["true", "false"]}
  BigMemory: {Type: String, Default: true}
Conditions:
  Tracing: !Equals [!Ref EnableTracing, true]
  Big: !Equals [!Ref BigMemory, "true"]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      TracingConfig: {Mode: !If [Tracing, Active, PassThrough]}
      MemorySize: !If [Big, 1024, 128]
"""
    # WHEN the function's properties are resolved
    resolved = props(text)
    # THEN both conditions are true, as in CloudFormation, where every value is text
    assert resolved["TracingConfig"] == {"Mode": "Active"} and resolved["MemorySize"] == 1024


def test_resources_included_by_fn_transform_are_a_note_not_a_missing_type() -> None:
    # GIVEN resources extended with AWS::Include from S3 (valid CloudFormation)
    template = load_template_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.13}\n"
        "  Fn::Transform:\n    Name: AWS::Include\n    Parameters: {Location: s3://bucket/more.yaml}\n")
    # WHEN targets are built
    targets, notes = targets_from_template(template, stack_name="app")
    # THEN the known resources are targets and the run says what it could not see (not "has no Type")
    assert [t.logical_id for t in targets if isinstance(t, ResourceTarget)] == ["Fn"]
    assert {t.stack_name for t in targets} == {"app"}
    assert notes == ["resources added by Fn::Transform (AWS::Include) are not known offline and were not checked"]


PARAMETERS = """
Parameters:
  DbPassword: {Type: String, NoEcho: true}
  ApiKey: {Type: String}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /app/token}
  Known: {Type: String, Default: k}
  NoEchoKnown: {Type: String, NoEcho: true, Default: d3fault}
  Keyed: {Type: String}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
Mappings:
  M: {prod: {V: from-the-mapping}}
Conditions:
  IsProd: !Equals [!Ref Keyed, prod]
Resources:
  Q: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          REF: !Ref DbPassword
          SSM: !Ref FromSsm
          SUB: !Sub "a${ApiKey}b${Known}${Q.Arn}${AWS::Region}"
          SUB_MAP: !Sub ["${X}-${Y}", {X: !Ref DbPassword, Y: !Join ["", [!Ref ApiKey]]}]
          JOIN: !Join ["", ["u:", !Ref DbPassword, !Ref ApiKey, !Ref DbPassword]]
          BASE64: !Base64 {"Fn::Sub": "${ApiKey}"}
          SELECTED: !Select [0, !Ref Subnets]
          SELECT_INDEX: !Select [!Ref Keyed, [a, b]]
          FROM_MAPPING: !FindInMap [M, !Ref Keyed, V]
          BRANCHES: !If [IsProd, !Ref DbPassword, "{{resolve:secretsmanager:dev/db}}"]
          RESOURCE: !Ref Q
          ATTRIBUTE: !GetAtt Q.Arn
          KNOWN: !Ref Known
          NOECHO_DEFAULT: !Ref NoEchoKnown
"""


def _variables(**kw: Any) -> dict[str, Any]:
    variables: dict[str, Any] = props(PARAMETERS, **kw)["Environment"]["Variables"]
    return variables


def test_a_value_records_the_unknown_parameters_whose_value_flows_into_it() -> None:
    # GIVEN parameters without Default (one NoEcho), an SSM-typed one, and known ones
    v = _variables()
    # THEN a Ref, a Sub (string or [text, map]), a Join, Base64 and both Fn::If branches name what flows in
    assert v["REF"].parameters == ("DbPassword",) and v["SSM"].parameters == ("FromSsm",)
    assert v["SUB"].parameters == ("ApiKey",)  # not Known (resolved), not Q (a resource), not the pseudo parameter
    assert v["SUB_MAP"].parameters == ("DbPassword", "ApiKey")
    assert v["JOIN"].parameters == ("DbPassword", "ApiKey")  # each once, in the order met
    assert v["BASE64"].parameters == ("ApiKey",) and v["SELECTED"].parameters == ("Subnets",)
    assert v["BRANCHES"].parameters == ("DbPassword",)
    # AND a parameter that only chooses (a Select index, a FindInMap key, a condition) is not listed
    assert isinstance(v["SELECT_INDEX"], Unresolved) and v["SELECT_INDEX"].parameters == ()
    assert isinstance(v["FROM_MAPPING"], Unresolved) and v["FROM_MAPPING"].parameters == ()
    # AND references to resources carry their type, and no parameter
    assert v["RESOURCE"].resource_type == "AWS::SQS::Queue" and v["RESOURCE"].parameters == ()
    assert v["ATTRIBUTE"].resource_type == "AWS::SQS::Queue" and v["ATTRIBUTE"].parameters == ()
    # AND a parameter with a Default (NoEcho or not) is its value, as before
    assert v["KNOWN"] == "k" and v["NOECHO_DEFAULT"] == "d3fault"


def test_a_parameter_given_with_param_is_a_value_again() -> None:
    # WHEN the value is passed as --param
    v = _variables(parameters={"DbPassword": "hunter2hunter2"})
    # THEN it resolves, and what still depends on another unknown parameter names only that one
    assert v["REF"] == "hunter2hunter2"
    assert v["JOIN"].parameters == ("ApiKey",) and v["SUB_MAP"].parameters == ("ApiKey",)


def test_an_ssm_typed_parameter_given_a_parameter_name_stays_unknown() -> None:
    # GIVEN an AWS::SSM::Parameter::Value<String> parameter
    # WHEN --param gives it what CloudFormation's own parameter takes: the SSM parameter's name
    v = _variables(parameters={"FromSsm": "/team/app/token"})
    # THEN the value is still unknown (read from SSM at deploy time), and says from where
    assert isinstance(v["SSM"], Unresolved) and v["SSM"].parameters == ("FromSsm",)
    assert "read from SSM parameter /team/app/token at deploy time" in v["SSM"].reason
    # AND a value that is not a parameter name is the value to check
    assert _variables(parameters={"FromSsm": "tok"})["SSM"] == "tok"


def test_sam_globals_and_function_environment_keep_the_parameters() -> None:
    # GIVEN a SAM template whose Globals and function set variables from a parameter without Default
    text = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  DbPassword: {Type: String, NoEcho: true}
Globals:
  Function:
    Environment: {Variables: {GLOBAL_PASSWORD: !Ref DbPassword}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(e, c): return e"
      Environment: {Variables: {OWN_PASSWORD: !Sub "pw=${DbPassword}"}}
"""
    # WHEN SAM expands it and the template adapter resolves the function
    v = props(text)["Environment"]["Variables"]
    # THEN both variables say which parameter they come from
    assert v["GLOBAL_PASSWORD"].parameters == ("DbPassword",)
    assert v["OWN_PASSWORD"].parameters == ("DbPassword",)
