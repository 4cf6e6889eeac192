"""Policy files: parse, validate (every error at once, with YAML path and line), build a Policy."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from hook.core._record import Frozen, Record
from hook.core.errors import PolicyError
from hook.core.policy_model import (
    ConstructOverride,
    Defaults,
    Exemption,
    Mode,
    Policy,
    RequestSettings,
    RuleConfig,
    Scope,
    ValueRef,
)
from hook.core.registry import Registry, RuleClass
from hook.core.schema import keys_at, validate
from hook.sdk import Severity, pointer_tokens

__all__ = [
    "PolicyIssue",
    "PolicyReport",
    "check_policy_text",
    "load_policy",
    "parse_policy",
    "policy_schema",
    "validate_files",
]

_SSM_NAME = re.compile(r"^/?[A-Za-z0-9_.\-/]{1,2048}$")


class PolicyIssue(Frozen):
    _fields = ("source", "line", "column", "path", "message", "severity")
    source: str
    line: int | None
    column: int | None
    path: str
    message: str
    severity: str

    def __init__(
        self, source: str, line: int | None, column: int | None, path: str, message: str, severity: str = "error"
    ) -> None:
        self.__dict__.update(source=source, line=line, column=column, path=path, message=message, severity=severity)

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        path = f"{self.path}: " if self.path else ""
        return f"{where}: {path}{self.message}"


class PolicyReport(Record):
    _fields = ("source", "errors", "warnings", "policy")

    def __init__(
        self,
        source: str,
        errors: list[PolicyIssue] | None = None,
        warnings: list[PolicyIssue] | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.source = source
        self.errors: list[PolicyIssue] = [] if errors is None else errors
        self.warnings: list[PolicyIssue] = [] if warnings is None else warnings
        self.policy = policy


@cache
def policy_schema() -> dict[str, Any]:
    """The policy file's JSON Schema (``govhook policy schema``)."""
    return json.loads((Path(__file__).parent.parent / "data" / "policy.schema.json").read_text())  # type: ignore[no-any-return]


@cache
def _yaml_loaders() -> tuple[Any, Any]:
    """``(plain loader, fast loader)``: plain YAML where dates stay strings (``expires:
    2027-03-31`` is checked as text). Built on first use: a policy published as JSON (what
    deploy.sh publishes) never imports PyYAML on the hook's cold start."""
    from hook.core.yaml_import import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.yaml_implicit_resolvers = {
        k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
    }
    fast: Any = type("_Fast", (getattr(yaml, "CSafeLoader", yaml.SafeLoader),), {})
    fast.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    return _Loader, fast


class _Doc:
    """Data built from YAML nodes; the lines of its paths come from the one location layer
    (:class:`hook.inputs.locations.SourceMap` over the same nodes)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.where: Any = None  # the SourceMap of a YAML policy; None for JSON (no lines)
        self.duplicates: list[PolicyIssue] = []

    def build(self, node: Any, path: tuple[str | int, ...] = ()) -> Any:
        from hook.core.yaml_import import yaml

        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            merged: dict[Any, Any] = {}
            first_lines: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    # `<<: *common` (or a list of them): the keys written here win over merged ones.
                    sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    for source in sources:
                        value = self.build(source, path)
                        if isinstance(value, dict):
                            merged = {**value, **merged}
                        else:
                            self.duplicates.append(
                                PolicyIssue(self.source, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                            _yaml_path(path), "'<<' merges a mapping (an anchored '&name {...}') only")
                            )
                    continue
                key = self.build(key_node, (*path, "<key>"))
                if not isinstance(key, str) and isinstance(key_node, yaml.ScalarNode):
                    key = str(key_node.value)  # `1:`, `on:`, `null:` as written, not 1/True/None
                elif not isinstance(key, str | int | float | bool) and key is not None:
                    key = str(key)
                if key in out:
                    first = first_lines.get(key)
                    self.duplicates.append(
                        PolicyIssue(self.source, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                    _yaml_path((*path, key)),
                                    f"duplicate key '{key}' (first at line {first}, again at line "
                                    f"{key_node.start_mark.line + 1}): YAML keeps only the last, so one of them is ignored")
                    )
                first_lines.setdefault(key, key_node.start_mark.line + 1)
                out[key] = self.build(value_node, (*path, key))
            return {**{k: v for k, v in merged.items() if k not in out}, **out}
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        return _yaml_loaders()[0].construct_object(self._loader, node)

    _loader: Any = None

    def mark(self, path: tuple[str | int, ...]) -> tuple[int | None, int | None]:
        if self.where is None:
            return None, None
        line, col = self.where.mark(path)
        return line, col

    def issue(self, path: tuple[str | int, ...], message: str, severity: str = "error") -> PolicyIssue:
        line, col = self.mark(path)
        return PolicyIssue(self.source, line, col, _yaml_path(path), message, severity)


def _yaml_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _pointer_to_path(pointer: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for token in pointer_tokens(pointer):
        parts.append(int(token) if token.isdigit() else token)
    return tuple(parts)


def _parse_json(text: str, source: str) -> tuple[Any, _Doc] | None:
    """A policy written as JSON (deploy.sh publishes the validated policy so): read with the
    standard library. None when the text is not JSON; YAML, a superset, reads it then."""
    if not text.lstrip().startswith("{"):
        return None
    doc = _Doc(source)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                doc.duplicates.append(PolicyIssue(source, None, None, "", f"duplicate key '{key}'"))
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=pairs), doc
    except ValueError:  # not JSON (a YAML flow mapping, or a mistake YAML will locate)
        return None


def _parse_yaml(text: str, source: str) -> tuple[Any, _Doc] | PolicyIssue:
    parsed = _parse_json(text, source)
    if parsed is not None:
        return parsed
    from hook.core.yaml_import import yaml

    doc = _Doc(source)
    plain, fast = _yaml_loaders()
    loader = plain("")
    doc._loader = loader
    try:
        node = yaml.compose(text, Loader=fast)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return PolicyIssue(source, mark.line + 1 if mark else None, mark.column + 1 if mark else None, "",
                           f"not valid YAML: {exc.problem or exc.context}")
    except yaml.YAMLError as exc:
        return PolicyIssue(source, None, None, "", f"not valid YAML: {exc}")
    if node is None:
        return PolicyIssue(source, 1, 1, "", "the policy is empty: it needs 'version: 1' and 'rules:'")
    from hook.inputs.locations import SourceMap

    doc.where = SourceMap(node)
    try:
        data = doc.build(node)
    except yaml.YAMLError as exc:
        return PolicyIssue(source, None, None, "", f"not valid YAML: {exc}")
    return data, doc


def policy_json(path: str) -> str:
    """The policy file as compact JSON, the same data the hook reads (what deploy.sh publishes)."""
    source = Path(path).read_text(encoding="utf-8")
    parsed = _parse_yaml(source, path)
    if isinstance(parsed, PolicyIssue):
        raise PolicyError(parsed.message, path, parsed.line, parsed.column)
    return json.dumps(parsed[0], separators=(",", ":"), ensure_ascii=False)


def _nearest(word: str, choices: list[str]) -> str:
    import difflib  # only a policy with a mistake needs it

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_policy_text(text: str, source: str, registry: Registry, *, today: date | None = None) -> PolicyReport:
    """Validate a policy; every error is reported at once, each with its YAML path and line.

    In passes, each adding to the same report: parse, schema, rule ids, params, exemptions, build
    (a Policy only when no pass found an error)."""
    report = PolicyReport(source)
    parsed = _parse_pass(text, source, report)
    if parsed is None:
        return report
    data, doc = parsed
    check = _Checks(doc, registry, report)
    check.today = today or date.today()
    _schema_pass(check, data)
    rules = _rule_ids_pass(check, data.get("rules"))
    configs = {canonical: _rule_config(canonical, cfg, _params_pass(check, path, rule, cfg.get("params")))
               for canonical, (path, rule, cfg) in rules.items()}
    exemptions = _exemptions_pass(check, data.get("exemptions"), today or date.today())
    report.errors.sort(key=lambda i: (i.line or 0, i.column or 0))
    report.warnings.sort(key=lambda i: (i.line or 0, i.column or 0))
    if not report.errors:
        report.policy = _build(data, configs, exemptions, source)
    return report


Path_ = tuple[str | int, ...]


class _Checks:
    """What every pass reports through: the document's marks, the registry, the report."""

    def __init__(self, doc: _Doc, registry: Registry, report: PolicyReport) -> None:
        self.doc = doc
        self.registry = registry
        self.report = report
        self.names = registry.all_names()
        #: The date rule warnings are judged on (``Rule.policy_warnings``).
        self.today = date.today()

    def error(self, path: Path_, message: str) -> None:
        self.report.errors.append(self.doc.issue(path, message))

    def warn(self, path: Path_, message: str) -> None:
        self.report.warnings.append(self.doc.issue(path, message, "warning"))

    def rule_id(self, path: Path_, rule_id: Any) -> str | None:
        """The canonical id of a rule id the policy names, or None after reporting it unknown."""
        canonical = self.registry.canonical(str(rule_id))
        if canonical is None:
            self.error(path, f"unknown rule '{rule_id}'{_nearest(str(rule_id), self.names)}")
        return canonical


def _parse_pass(text: str, source: str, report: PolicyReport) -> tuple[dict[str, Any], _Doc] | None:
    """YAML (or JSON) with the line of every path; duplicate keys; the top level is a mapping."""
    parsed = _parse_yaml(text, source)
    if isinstance(parsed, PolicyIssue):
        report.errors.append(parsed)
        return None
    data, doc = parsed
    report.errors.extend(doc.duplicates)
    if not isinstance(data, dict):
        report.errors.append(doc.issue((), "a policy is a mapping with 'version: 1' and 'rules:'"))
        return None
    return data, doc


def _schema_pass(check: _Checks, data: dict[str, Any]) -> None:
    """The policy schema; an unknown key suggests the nearest allowed one."""
    schema = policy_schema()
    for err in validate(data, schema):
        path = _pointer_to_path(err.path)
        message = err.message
        if err.keyword == "additionalProperties" and path:
            message += _nearest(str(path[-1]), keys_at(schema, path[:-1]) or list(schema["properties"]))
        check.error(path, message)


def _rule_ids_pass(check: _Checks, rules: Any) -> dict[str, tuple[Path_, RuleClass, dict[str, Any]]]:
    """Each listed rule id is installed (else the nearest id), or was renamed (a warning).
    Returns the known rules by canonical id: their path, class and configuration mapping."""
    out: dict[str, tuple[Path_, RuleClass, dict[str, Any]]] = {}
    for rule_id, cfg in (rules if isinstance(rules, dict) else {}).items():
        path: Path_ = ("rules", rule_id)
        canonical = check.rule_id(path, rule_id)
        if canonical is None:
            continue
        if canonical != rule_id:
            check.warn(path, f"'{rule_id}' was renamed to '{canonical}'; use the new id")
        rule = check.registry.get(canonical)
        cfg = cfg or {}
        if isinstance(cfg, dict) and rule is not None:  # another shape is the schema's error
            out[canonical] = (path, rule, cfg)
    return out


def _params_pass(check: _Checks, path: Path_, rule: RuleClass, raw: Any) -> dict[str, Any]:
    """A rule's params: references well formed, bounds not crossed, the rule's params schema (on
    the literal values and the defaults of references). Returns the params the engine reads."""
    if not isinstance(raw or {}, dict):
        return {}
    params, literal = _read_params(check, path, rule, raw or {})
    for bpath, message in _crossed_bounds(literal):
        check.error((*path, "params", *bpath), f"{message} (rule {rule.id})")
    unresolved = any(isinstance(v, ValueRef) and not v.has_default for v in params.values())
    errors = validate(literal, rule.params_schema)
    if not errors:  # a valid setting that contradicts another rule (an allowed runtime it blocks)
        for name, message in rule.policy_warnings(literal, check.today):
            check.warn((*path, "params", name) if name in (raw or {}) else path, f"{message} (rule {rule.id})")
    for err in errors:
        if err.keyword == "required" and unresolved:
            continue  # resolved at run time from SSM
        epath = _pointer_to_path(err.path)
        message = err.message
        if err.keyword == "additionalProperties" and epath:
            message += _nearest(str(epath[-1]), keys_at(rule.params_schema, epath[:-1]))
        check.error((*path, "params", *epath), f"{message} (rule {rule.id})")
    return params


def _read_params(check: _Checks, path: Path_, rule: RuleClass,
                 raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(params, literal)``: the params with references as ``ValueRef``; the values checked
    against the schema (rule defaults, literals, and the defaults of references)."""
    props = rule.params_schema.get("properties", {})
    params: dict[str, Any] = {}
    literal: dict[str, Any] = rule.param_defaults()
    for name, value in raw.items():
        if not (isinstance(value, dict) and "ssm" in value):
            params[name] = literal[name] = value
            continue
        ref = _reference(check, (*path, "params", name), value)
        if ref is None:
            continue
        params[name] = ref
        if ref.has_default:
            literal[name] = _default_as(ref.default, props.get(name, {}))
        else:
            literal.pop(name, None)
    return params, literal


def _reference(check: _Checks, path: Path_, value: dict[str, Any]) -> ValueRef | None:
    """``{ssm: NAME, default: VALUE}``: None (reported) when the name is not an SSM name."""
    extra = set(value) - {"ssm", "default"}
    if extra:
        check.error(path, f"a reference takes 'ssm' and 'default' only, not {sorted(extra)}")
    name = value.get("ssm")
    if not isinstance(name, str) or not _SSM_NAME.match(name):
        check.error((*path, "ssm"), f"'{name}' is not an SSM parameter name")
        return None
    return ValueRef(name, value.get("default"), "default" in value)


def _default_as(default: Any, schema: Mapping[str, Any]) -> Any:
    """A reference's default as the value will arrive: a StringList default for a list parameter."""
    if isinstance(default, str) and schema.get("type") == "array":
        return [p.strip() for p in default.split(",") if p.strip()]
    return default


def _mode(value: Any) -> Mode | None:
    return Mode(value) if value in ("fail", "warn") else None


def _rule_config(canonical: str, cfg: dict[str, Any], params: dict[str, Any]) -> RuleConfig:
    """A rule's entry as the engine reads it (values of a wrong shape are the schema's errors)."""
    severity = cfg.get("severity")
    return RuleConfig(
        canonical,
        mode=_mode(cfg.get("mode")),
        severity=Severity(severity) if severity in {s.value for s in Severity} else None,
        params=params,
        scope=_scope(cfg.get("scope")),
        existing=_mode(cfg.get("existing")),
        on_error=_mode(cfg.get("on_error")),
        overrides=_overrides(cfg.get("overrides")),
        requests=cfg["requests"] if cfg.get("requests") in ("allow", "deny") else None,
    )


def _overrides(raw: Any) -> tuple[ConstructOverride, ...]:
    """``overrides:``: a mode or severity for construct paths (wrong shapes are the schema's errors)."""
    out = []
    for o in raw if isinstance(raw, list) else []:
        if not (isinstance(o, dict) and isinstance(o.get("constructs"), list)):
            continue
        severity = o.get("severity")
        out.append(ConstructOverride(
            tuple(str(g) for g in o["constructs"]), mode=_mode(o.get("mode")),
            severity=Severity(severity) if severity in {s.value for s in Severity} else None,
            reason=str(o.get("reason", ""))))
    return tuple(out)


def _request_settings(raw: Any) -> RequestSettings:
    """``requests:``: what an accepted exemption request must carry."""
    if not isinstance(raw, dict):
        return RequestSettings()
    max_days = raw.get("max_days")
    return RequestSettings(
        require_reason=raw.get("require_reason") is not False,
        require_expiry=raw.get("require_expiry") is True,
        max_days=max_days if isinstance(max_days, int) and not isinstance(max_days, bool) else None,
    )


def _exemptions_pass(check: _Checks, listed: Any, today: date) -> list[Exemption]:
    """Each exemption: a unique id, installed rule ids, an expiry (a warning once past)."""
    out: list[Exemption] = []
    seen: set[str] = set()
    for i, ex in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(ex, dict):
            continue
        path: Path_ = ("exemptions", i)
        ex_id = str(ex.get("id", ""))
        if ex_id in seen:
            check.error((*path, "id"), f"exemption id '{ex_id}' is used twice")
        seen.add(ex_id)
        exemption = _exemption(check, path, ex_id, ex, today)
        if exemption is not None:
            out.append(exemption)
    return out


def _exemption(check: _Checks, path: Path_, ex_id: str, ex: dict[str, Any], today: date) -> Exemption | None:
    rules = ex.get("rules")
    ids = [str(rid) for j, rid in enumerate(rules if isinstance(rules, list) else [])  # a string: the schema's
           if check.rule_id((*path, "rules", j), rid) is not None]
    try:
        expires = date.fromisoformat(str(ex.get("expires")))
    except ValueError:
        return None  # reported by the schema
    if expires < today:
        check.warn((*path, "expires"), f"exemption {ex_id} expired on {expires.isoformat()} and is ignored")
    reason = ex.get("reason")
    if not (isinstance(reason, str) and ids):
        return None
    return Exemption(ex_id, tuple(ids), reason, expires, tuple(ex.get("stacks") or ["*"]),
                     tuple(ex.get("resources") or []))


def _build(data: dict[str, Any], configs: dict[str, RuleConfig], exemptions: list[Exemption],
           source: str) -> Policy:
    defaults = data.get("defaults") or {}
    return Policy(
        version=1,
        defaults=Defaults(
            mode=Mode(defaults.get("mode", "fail")),
            on_error=Mode(defaults.get("on_error", "fail")),
            existing=Mode(defaults.get("existing", "fail")),
            requests=defaults.get("requests") if defaults.get("requests") in ("allow", "deny") else None,
        ),
        scope=_scope(data.get("scope")),
        rules=configs,
        exemptions=tuple(exemptions),
        source=source,
        requests=_request_settings(data.get("requests")),
    )


def _crossed_bounds(params: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], str]]:
    """``min`` above ``max`` (``min_days``/``max_days``, ...), here or in a nested override: no value
    could pass, so every resource would fail with a requirement nobody can meet."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    if not isinstance(params, dict):
        return out
    for key, low in params.items():
        if not (isinstance(key, str) and key.startswith("min")):
            continue
        other = "max" + key[3:]
        high = params.get(other)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
        if numbers and low > high:
            out.append(((*path, key), f"{key} {low} is above {other} {high}: nothing could pass"))
    for key, value in params.items():
        if isinstance(value, dict):
            out.extend(_crossed_bounds(value, (*path, key)))
    return out


def _scope(raw: Any) -> Scope:
    if not isinstance(raw, dict):
        return Scope()
    # Wrong shapes (`stacks: [a]`, `include: "abc"`) are the schema's errors; here they select nothing.
    stacks: dict[str, Any] = raw["stacks"] if isinstance(raw.get("stacks"), dict) else {}
    resources: dict[str, Any] = raw["resources"] if isinstance(raw.get("resources"), dict) else {}

    def globs(section: dict[str, Any], key: str) -> tuple[str, ...]:
        value = section.get(key)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    constructs: dict[str, Any] = raw["constructs"] if isinstance(raw.get("constructs"), dict) else {}
    return Scope(
        stacks_include=globs(stacks, "include"),
        stacks_exclude=globs(stacks, "exclude"),
        resources_include=globs(resources, "include"),
        resources_exclude=globs(resources, "exclude"),
        constructs_include=globs(constructs, "include"),
        constructs_exclude=globs(constructs, "exclude"),
    )


def parse_policy(text: str, source: str, registry: Registry, *, today: date | None = None) -> Policy:
    report = check_policy_text(text, source, registry, today=today)
    if report.errors or report.policy is None:
        first = report.errors[0]
        more = f" (and {len(report.errors) - 1} more error(s))" if len(report.errors) > 1 else ""
        raise PolicyError(f"{first.path + ': ' if first.path else ''}{first.message}{more}", source,
                          first.line, first.column, issues=list(report.errors), path=first.path or None)
    return report.policy


def load_policy(path: str, registry: Registry, *, today: date | None = None) -> Policy:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read policy: {getattr(exc, 'strerror', None) or exc}", path) from exc
    return parse_policy(text, path, registry, today=today)


def validate_files(paths: list[str], registry: Registry, today: date | None = None) -> list[PolicyReport]:
    reports = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            rep = PolicyReport(path)
            rep.errors.append(PolicyIssue(path, None, None, "", f"cannot read policy: {getattr(exc, 'strerror', None) or exc}"))
            reports.append(rep)
            continue
        reports.append(check_policy_text(text, path, registry, today=today))
    return reports
