"""The Framework's template: the resources ``serverless deploy`` would create from a resolved
serverless.yml, each located at the serverless.yml key it came from (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hook.core.errors import TemplateError
from hook.core.yaml_import import yaml
from hook.inputs.locations import MarkedMapping, SourceMap, key_node
from hook.sdk import Unresolved, is_unresolved

__all__ = ["Builder", "logical_id_prefix"]


def logical_id_prefix(name: str) -> str:
    """The Framework's normalised function name: ``my-fn_x`` -> ``MyDashfnUnderscorex``."""
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


def _normalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def _on(value: Any) -> bool | None:
    """True/False for a boolean-ish setting; None when unresolved."""
    if isinstance(value, Unresolved):
        return None
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "")
    return bool(value)


class Builder:
    def __init__(self, config: dict[str, Any], raw: Mapping[str, Any], src: SourceMap, file: str | None,
                 stage: Any, region: Any) -> None:
        self.config = config
        self.raw = raw
        self.src = src
        self.file = file
        self.stage = stage
        self.region = region
        self.notes: list[str] = []
        p = config.get("provider")
        if isinstance(p, Unresolved):
            self.notes.append(f"provider is {p.describe()}: its settings are not checked")
        self.provider: dict[str, Any] = dict(p) if isinstance(p, Mapping) else {}
        service = config.get("service")
        if isinstance(service, Mapping):
            service = service.get("name")
        self.service = service
        self.resources: dict[str, Any] = {}
        root_anchor = src.root if src.root is not None else key_node("", None)
        self.tree = MarkedMapping(root_anchor)
        self.res_tree = MarkedMapping(root_anchor)
        self.shared_role_users: list[str] = []
        #: logical id -> (its resource's location tree, its Properties' location tree)
        self.trees: dict[str, tuple[MarkedMapping, MarkedMapping]] = {}

    def err(self, message: str, *path: str) -> TemplateError:
        pair = self.src.pair(*path) if path else None
        mark = pair[0].start_mark if pair else None
        return TemplateError(message, self.file, mark.line + 1 if mark else 1, mark.column + 1 if mark else 1)

    def fn_or_provider(self, fn: Mapping[str, Any], name: str, fkey: str, pkey: str) -> tuple[Any, Any]:
        """(value, source pair): the function's setting, else the provider's."""
        if fn.get(fkey) is not None:
            return fn[fkey], self.src.pair("functions", name, fkey)
        if self.provider.get(pkey) is not None:
            return self.provider[pkey], self.src.pair("provider", pkey)
        return None, None

    def build(self) -> dict[str, Any]:
        if self.service is None:
            raise self.err("serverless.yml has no 'service'")
        pname = self.provider.get("name")
        if pname is not None and pname != "aws":
            # Another cloud's service in the same repository is not bad input: it is not ours to check.
            self.notes.append(f"provider.name is {pname!r}, not aws: nothing here deploys to AWS Lambda, not checked")
            return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": self.resources}
        functions = self.config.get("functions") or {}
        if isinstance(functions, Unresolved):
            self.notes.append(f"functions is {functions.describe()}: its functions are not checked")
            functions = {}
        if not isinstance(functions, Mapping):
            raise self.err("functions must be a mapping of function names to settings", "functions")
        for name, fn in functions.items():
            if isinstance(fn, Unresolved):
                self.notes.append(f"function {name} is {fn.describe()}: not checked")
                continue
            if not isinstance(fn, Mapping):
                raise self.err(f"function {name} must be a mapping (handler, runtime, ...)", "functions", str(name))
            if fn.get("handler") is None and fn.get("image") is None:
                raise self.err(f"function {name} has neither handler nor image", "functions", str(name))
            self.function(str(name), fn)
        if self.shared_role_users:
            self.role()
        self.custom_resources()
        self.tree.put("Resources", (self.tree.anchor, self.tree.anchor), self.res_tree)
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"The {self.service} service, as the Serverless Framework would deploy it",
            "Resources": self.resources,
        }

    def add(self, logical_id: str, resource: dict[str, Any], pair: tuple[Any, Any] | None, props: MarkedMapping | None) -> None:
        self.resources[logical_id] = resource
        if pair is None:
            return
        props = props if props is not None else MarkedMapping(pair[0])
        node = MarkedMapping(pair[0])
        node.put("Properties", pair, props)
        for key in ("DeletionPolicy", "UpdateReplacePolicy"):
            node.put(key, pair)
        self.res_tree.put(logical_id, pair, node)
        self.trees[logical_id] = (node, props)

    def function(self, name: str, fn: Mapping[str, Any]) -> None:
        prefix = logical_id_prefix(name)
        fid = f"{prefix}LambdaFunction"
        fpair = self.src.pair("functions", name)
        where = MarkedMapping(fpair[0] if fpair else self.tree.anchor)
        props: dict[str, Any] = {}

        def setting(prop: str, fkey: str, pkey: str | None = None) -> Any:
            value, pair = (fn.get(fkey), self.src.pair("functions", name, fkey)) if pkey is None else \
                self.fn_or_provider(fn, name, fkey, pkey)
            if value is not None:
                where.put(prop, pair)
            return value

        fname = fn.get("name")
        if fname is not None:
            where.put("FunctionName", self.src.pair("functions", name, "name"))
        elif isinstance(self.service, Unresolved) or isinstance(self.stage, Unresolved):
            fname = Unresolved(f"${{self:service}}-${{sls:stage}}-{name}", "the service or stage is not known")
        else:
            fname = f"{self.service}-{self.stage}-{name}"
        props["FunctionName"] = fname
        image = setting("Code", "image")
        if image is not None:
            props["PackageType"] = "Image"
            uri = image if isinstance(image, str | Unresolved) else image.get("uri") if isinstance(image, Mapping) else None
            props["Code"] = {"ImageUri": uri if uri is not None else Unresolved(
                f"image {name}", "the image is built and pushed by the Framework at deploy time")}
            where.put("PackageType", self.src.pair("functions", name, "image"))
        else:
            props["Handler"] = setting("Handler", "handler")
            props["Code"] = {"S3Bucket": {"Ref": "ServerlessDeploymentBucket"},
                             "S3Key": Unresolved(f"{self.service}.zip", "the artifact is uploaded at deploy time")}
            runtime = setting("Runtime", "runtime", "runtime")
            props["Runtime"] = runtime if runtime is not None else Unresolved(
                "runtime", "not set in serverless.yml; the Framework's default runtime depends on its version")
        props["MemorySize"] = _first(setting("MemorySize", "memorySize", "memorySize"), 1024)
        props["Timeout"] = _first(setting("Timeout", "timeout", "timeout"), 6)
        arch = setting("Architectures", "architecture", "architecture")
        if arch is not None:
            props["Architectures"] = [arch]
        tracing, tpair = fn.get("tracing"), self.src.pair("functions", name, "tracing")
        if tracing is None:
            ptracing = self.provider.get("tracing")
            if isinstance(ptracing, Mapping):
                tracing, tpair = ptracing.get("lambda"), self.src.pair("provider", "tracing", "lambda")
        if tracing is not None:
            mode: Any = tracing if isinstance(tracing, Unresolved) else (
                tracing if isinstance(tracing, str) and tracing in ("Active", "PassThrough")
                else "Active" if _on(tracing) else None)
            if mode is not None:
                props["TracingConfig"] = {"Mode": mode}
                where.put("TracingConfig", tpair)
        env = self.merged(fn, name, "environment", "Environment", where, "Variables")
        if env is not None:
            props["Environment"] = {"Variables": env}
        tags = self.merged(fn, name, "tags", "Tags", where, None)
        if tags is not None:
            props["Tags"] = [{"Key": str(k), "Value": v} for k, v in tags.items()] if isinstance(tags, dict) else tags
        for prop, fkey, pkey in (("Layers", "layers", "layers"), ("KmsKeyArn", "kmsKeyArn", "kmsKeyArn"),
                                 ("ReservedConcurrentExecutions", "reservedConcurrency", None)):
            value = setting(prop, fkey, pkey)
            if value is not None:
                props[prop] = value
        vpc = setting("VpcConfig", "vpc", "vpc")
        if isinstance(vpc, Mapping):
            props["VpcConfig"] = {"SecurityGroupIds": vpc.get("securityGroupIds"), "SubnetIds": vpc.get("subnetIds")}
        storage = setting("EphemeralStorage", "ephemeralStorageSize")
        if storage is not None:
            props["EphemeralStorage"] = {"Size": storage}
        if _on(setting("SnapStart", "snapStart")):
            props["SnapStart"] = {"ApplyOn": "PublishedVersions"}
        role = setting("Role", "role")
        if role is None:
            iam = self.provider.get("iam")
            prole = iam.get("role") if isinstance(iam, Mapping) else self.provider.get("role")
            if isinstance(prole, str | Unresolved) or is_unresolved(prole):  # a name, an ARN or !GetAtt
                role = prole
                where.put("Role", self.src.pair("provider", "iam", "role") or self.src.pair("provider", "role"))
        if role is None:
            props["Role"] = {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]}
            self.shared_role_users.append(fid)
        else:
            # A name is a logical id in resources.Resources (the Framework's rule); an ARN is used as is.
            props["Role"] = {"Fn::GetAtt": [role, "Arn"]} if isinstance(role, str) and not role.startswith("arn:") else role
        logs = not _on(fn.get("disableLogs") or False)
        props = {k: v for k, v in props.items() if v is not None}
        self.add(fid, {"Type": "AWS::Lambda::Function", "Properties": props}, fpair, where)
        if logs:
            self.log_group(name, fn, prefix, fname, fpair)
        self.version(name, fn, prefix, fid, fpair)
        self.url(name, fn, prefix, fid)
        self.events(name, fn, prefix, fid)

    def url(self, name: str, fn: Mapping[str, Any], prefix: str, fid: str) -> None:
        """``url: true`` is a public function URL (``AuthType: NONE``); ``authorizer: aws_iam`` makes it IAM."""
        url = fn.get("url")
        if url is None or _on(url) is False:
            return
        pair = self.src.pair("functions", name, "url")
        auth: Any = "NONE"
        if isinstance(url, Mapping) and url.get("authorizer") is not None:
            authorizer = url["authorizer"]
            auth = authorizer if isinstance(authorizer, Unresolved) else (
                "AWS_IAM" if str(authorizer).lower() == "aws_iam" else "NONE")
        props: dict[str, Any] = {"AuthType": auth, "TargetFunctionArn": {"Fn::GetAtt": [fid, "Arn"]}}
        if isinstance(url, Mapping) and url.get("invokeMode") is not None:
            props["InvokeMode"] = url["invokeMode"]
        where = MarkedMapping(pair[0]) if pair else None
        auth_pair = self.src.pair("functions", name, "url", "authorizer")
        if where is not None:
            where.put("AuthType", auth_pair or pair)
        self.add(f"{prefix}LambdaFunctionUrl", {"Type": "AWS::Lambda::Url", "Properties": props}, pair, where)
        if auth == "NONE":
            self.add(f"{prefix}LambdaPermissionFnUrl", {"Type": "AWS::Lambda::Permission", "Properties": {
                "FunctionName": {"Fn::GetAtt": [fid, "Arn"]}, "Action": "lambda:InvokeFunctionUrl",
                "Principal": "*", "FunctionUrlAuthType": "NONE"}}, pair, None)

    def merged(self, fn: Mapping[str, Any], name: str, key: str, prop: str, where: MarkedMapping,
               inner: str | None) -> Any:
        """provider.<key> merged with functions.<name>.<key> (function wins), with per-key lines."""
        pval, fval = self.provider.get(key), fn.get(key)
        if pval is None and fval is None:
            return None
        if isinstance(pval, Unresolved) or isinstance(fval, Unresolved):
            value, pair = (fval, self.src.pair("functions", name, key)) if fval is not None else \
                (pval, self.src.pair("provider", key))
            where.put(prop, pair)
            return value
        merged: dict[str, Any] = {}
        anchor = self.src.pair("functions", name, key) or self.src.pair("provider", key)
        sub = MarkedMapping(anchor[0] if anchor else where.anchor)
        for scope, value in (("provider", pval), ("functions", fval)):
            if isinstance(value, Mapping):
                for k, v in value.items():
                    merged[str(k)] = v
                    path = ("provider", key, str(k)) if scope == "provider" else ("functions", name, key, str(k))
                    sub.put(str(k), self.src.pair(*path))
        if inner is None:
            where.put(prop, anchor, sub)
        else:
            outer = MarkedMapping(anchor[0] if anchor else where.anchor)
            outer.put(inner, anchor, sub)
            where.put(prop, anchor, outer)
        return merged

    def log_group(self, name: str, fn: Mapping[str, Any], prefix: str, fname: Any, fpair: Any) -> None:
        where = MarkedMapping(fpair[0] if fpair else self.tree.anchor)
        props: dict[str, Any] = {
            "LogGroupName": Unresolved(fname, "the function name is not known")
            if isinstance(fname, Unresolved) else f"/aws/lambda/{fname}"
        }
        value, pair = self.fn_or_provider(fn, name, "logRetentionInDays", "logRetentionInDays")
        if value is not None:
            props["RetentionInDays"] = value
            where.put("RetentionInDays", pair)
        self.add(f"{prefix}LogGroup", {"Type": "AWS::Logs::LogGroup", "Properties": props}, fpair, where)

    def version(self, name: str, fn: Mapping[str, Any], prefix: str, fid: str, fpair: Any) -> None:
        own = fn.get("versionFunction")
        pair = self.src.pair("functions", name, "versionFunction")
        if own is None:
            own = self.provider.get("versionFunctions", True)
            pair = self.src.pair("provider", "versionFunctions") or fpair
        on = _on(own)
        if on is False:
            return
        vid = f"{prefix}LambdaVersion"
        resource: dict[str, Any] = {
            "Type": "AWS::Lambda::Version",
            "DeletionPolicy": "Retain" if on else own,
            "Properties": {"FunctionName": {"Ref": fid},
                           "CodeSha256": Unresolved("CodeSha256", "the code hash is known after packaging")},
        }
        if on is None:  # versioning itself is unknown: so is the resource; the policy says why
            resource["DeletionPolicy"] = Unresolved(own.expr if isinstance(own, Unresolved) else own,
                                                    "versionFunctions is not known before deployment")
        self.add(vid, resource, pair, None)
        pc = fn.get("provisionedConcurrency")
        if pc is not None:
            self.add(f"{prefix}ProvConcLambdaAlias", {
                "Type": "AWS::Lambda::Alias",
                "Properties": {"FunctionName": {"Ref": fid}, "FunctionVersion": {"Fn::GetAtt": [vid, "Version"]},
                               "Name": "provisioned",
                               "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": pc}},
            }, self.src.pair("functions", name, "provisionedConcurrency"), None)

    def events(self, name: str, fn: Mapping[str, Any], prefix: str, fid: str) -> None:
        events = fn.get("events")
        if not isinstance(events, list):
            return
        for i, event in enumerate(events):
            if not isinstance(event, Mapping) or len(event) != 1:
                continue
            kind, spec = next(iter(event.items()))
            pair = self.src.pair("functions", name, "events")
            node = pair[1].value[i] if pair and isinstance(pair[1], yaml.SequenceNode) else None
            epair = (node, node) if node is not None else pair
            arn = {"Fn::GetAtt": [fid, "Arn"]}
            if kind == "http":
                method, path = "ANY", ""
                if isinstance(spec, str):
                    method, _, path = spec.partition(" ")
                elif isinstance(spec, Mapping):
                    method, path = str(spec.get("method", "ANY")), str(spec.get("path", ""))
                parts = "".join(_path_part(p) for p in str(path).split("/") if p)
                self.resources.setdefault("ApiGatewayRestApi", {"Type": "AWS::ApiGateway::RestApi",
                                                                "Properties": {"Name": f"{self.stage}-{self.service}"}})
                self.add(f"ApiGatewayMethod{parts}{_normalize(str(method).lower())}", {
                    "Type": "AWS::ApiGateway::Method",
                    "Properties": {"HttpMethod": str(method).upper(), "RestApiId": {"Ref": "ApiGatewayRestApi"},
                                   "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": {
                                       "Fn::Join": ["", ["arn:aws:apigateway:", {"Ref": "AWS::Region"},
                                                         ":lambda:path/2015-03-31/functions/", arn, "/invocations"]]}}},
                }, epair, None)
            elif kind == "httpApi":
                self.resources.setdefault("HttpApi", {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
                    "Name": f"{self.stage}-{self.service}", "ProtocolType": "HTTP"}})
                self.add(f"HttpApiIntegration{prefix}", {
                    "Type": "AWS::ApiGatewayV2::Integration",
                    "Properties": {"ApiId": {"Ref": "HttpApi"}, "IntegrationType": "AWS_PROXY",
                                   "IntegrationUri": arn, "PayloadFormatVersion": "2.0"},
                }, epair, None)
            elif kind == "sqs":
                spec_map = {"arn": spec} if not isinstance(spec, Mapping) else spec
                queue = spec_map.get("arn")
                qname = _queue_name(queue)
                props: dict[str, Any] = {"EventSourceArn": queue, "FunctionName": arn,
                                         "BatchSize": spec_map.get("batchSize", 10),
                                         "Enabled": spec_map.get("enabled", True)}
                if spec_map.get("maximumBatchingWindow") is not None:
                    props["MaximumBatchingWindowInSeconds"] = spec_map["maximumBatchingWindow"]
                if spec_map.get("functionResponseType") is not None:
                    props["FunctionResponseTypes"] = [spec_map["functionResponseType"]]
                if spec_map.get("maximumConcurrency") is not None:
                    props["ScalingConfig"] = {"MaximumConcurrency": spec_map["maximumConcurrency"]}
                self.add(f"{prefix}EventSourceMappingSQS{qname}",
                         {"Type": "AWS::Lambda::EventSourceMapping", "Properties": props}, epair, None)
            elif kind == "stream":
                self.stream(prefix, spec, arn, epair)

    def stream(self, prefix: str, spec: Any, function_arn: Any, epair: Any) -> None:
        """A DynamoDB or Kinesis ``stream`` event: ``<Name>EventSourceMapping<Dynamodb|Kinesis><Stream>``."""
        spec_map: Mapping[str, Any] = {"arn": spec} if not isinstance(spec, Mapping) else spec
        source = spec_map.get("arn")
        stype = spec_map.get("type")
        if stype is None and isinstance(source, str):
            stype = "dynamodb" if ":dynamodb:" in source else "kinesis" if ":kinesis:" in source else None
        props: dict[str, Any] = {"EventSourceArn": source, "FunctionName": function_arn,
                                 "BatchSize": spec_map.get("batchSize", 10),
                                 "StartingPosition": spec_map.get("startingPosition", "TRIM_HORIZON"),
                                 "Enabled": spec_map.get("enabled", True)}
        for key, prop in (("maximumRetryAttempts", "MaximumRetryAttempts"),
                          ("bisectBatchOnFunctionError", "BisectBatchOnFunctionError"),
                          ("maximumRecordAgeInSeconds", "MaximumRecordAgeInSeconds"),
                          ("parallelizationFactor", "ParallelizationFactor"),
                          ("batchWindow", "MaximumBatchingWindowInSeconds")):
            if spec_map.get(key) is not None:
                props[prop] = spec_map[key]
        if spec_map.get("functionResponseType") is not None:
            props["FunctionResponseTypes"] = [spec_map["functionResponseType"]]
        destinations = spec_map.get("destinations")
        on_failure = destinations.get("onFailure") if isinstance(destinations, Mapping) else None
        if isinstance(on_failure, Mapping):
            on_failure = on_failure.get("arn")
        if on_failure is not None:
            props["DestinationConfig"] = {"OnFailure": {"Destination": on_failure}}
        name = _stream_name(source)
        kind = _normalize(str(stype)) if isinstance(stype, str) else "Stream"
        self.add(f"{prefix}EventSourceMapping{kind}{name}",
                 {"Type": "AWS::Lambda::EventSourceMapping", "Properties": props}, epair, None)

    def role(self) -> None:
        iam = self.provider.get("iam")
        role_cfg = iam.get("role") if isinstance(iam, Mapping) else None
        statements: Any = None
        managed: Any = None
        pair = None
        if isinstance(role_cfg, Mapping) and not is_unresolved(role_cfg):
            statements, managed = role_cfg.get("statements"), role_cfg.get("managedPolicies")
            pair = self.src.pair("provider", "iam", "role")
        if statements is None and self.provider.get("iamRoleStatements") is not None:
            statements, pair = self.provider["iamRoleStatements"], self.src.pair("provider", "iamRoleStatements")
        if managed is None and self.provider.get("iamManagedPolicies") is not None:
            managed = self.provider["iamManagedPolicies"]
        logs = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"}]}
        props: dict[str, Any] = {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]},
            "Policies": [{"PolicyName": f"{self.service}-{self.stage}-lambda", "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [logs, *(statements if isinstance(statements, list) else [])]}}],
        }
        if managed is not None:
            props["ManagedPolicyArns"] = managed
        where = None
        if pair is not None:
            where = MarkedMapping(pair[0])
            doc = MarkedMapping(pair[0])
            stmts = MarkedMapping(pair[0])
            seq = pair[1]
            if isinstance(seq, yaml.MappingNode):
                inner = next((v for k, v in seq.value if getattr(k, "value", None) == "statements"), None)
                seq = inner
            if isinstance(seq, yaml.SequenceNode):
                for i, node in enumerate(seq.value):
                    stmts.put(str(i + 1), (node, node))  # entry 0 is the Framework's own logs statement
            doc.put("Statement", pair, stmts)
            pol = MarkedMapping(pair[0])
            pol.put("PolicyDocument", pair, doc)
            pols = MarkedMapping(pair[0])
            pols.put("0", pair, pol)
            where.put("Policies", pair, pols)
        self.add("IamRoleLambdaExecution", {"Type": "AWS::IAM::Role", "Properties": props},
                 pair or self.src.pair("provider"), where)

    def custom_resources(self) -> None:
        """``resources.Resources`` as written; an id the Framework generates, and ``resources.extensions``,
        are merged into the generated resource key by key (lists replaced), as the Framework does."""
        res = self.config.get("resources")
        if not isinstance(res, Mapping):
            return
        for section in ("Resources", "extensions"):
            inner = res.get(section)
            if inner is None:
                continue
            if not isinstance(inner, Mapping):
                raise self.err(f"resources.{section} must be a mapping of CloudFormation resources", "resources", section)
            for logical_id, resource in inner.items():
                lid = str(logical_id)
                pair = self.src.pair("resources", section, lid)
                if lid in self.resources and isinstance(resource, Mapping):
                    self.resources[lid] = _merge(self.resources[lid], resource)
                    self.locate_override(lid, section, resource)
                elif section == "extensions":
                    raise self.err(f"resources.extensions.{lid}: the Framework generates no resource {lid}",
                                   "resources", section, lid)
                elif not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
                    raise self.err(f"resource {lid} has no Type", "resources", section, lid)
                else:
                    self.resources[lid] = dict(resource)
                    if pair is not None:
                        self.res_tree.put(lid, pair)

    def locate_override(self, lid: str, section: str, resource: Mapping[str, Any]) -> None:
        """Keys an override sets point at the override's lines."""
        trees = self.trees.get(lid)
        if trees is None:
            return
        node, props = trees
        for key in resource:
            if key != "Properties":
                node.put(str(key), self.src.pair("resources", section, lid, str(key)))
        overridden = resource.get("Properties")
        if isinstance(overridden, Mapping):
            for key in overridden:
                props.put(str(key), self.src.pair("resources", section, lid, "Properties", str(key)))


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return override


def _path_part(part: str) -> str:
    if part.startswith("{") and part.endswith("}"):
        return _normalize(re.sub(r"[^A-Za-z0-9]", "", part[1:-1])) + "Var"
    return _normalize(re.sub(r"[^A-Za-z0-9]", "", part.replace("-", "Dash").replace("_", "Underscore")))


def _stream_name(arn: Any) -> str:
    """The table or stream name in a stream ARN (``table/Orders/stream/...``, ``stream/Clicks``)."""
    if isinstance(arn, str):
        match = re.search(r":table/([^/]+)/stream/", arn) or re.search(r":stream/([^/]+)", arn)
        if match:
            return _normalize(re.sub(r"[^A-Za-z0-9]", "", match.group(1)))
    return _queue_name(arn)


def _queue_name(arn: Any) -> str:
    if isinstance(arn, str):
        return _normalize(re.sub(r"[^A-Za-z0-9]", "", arn.rsplit(":", 1)[-1]))
    if isinstance(arn, Mapping) and len(arn) == 1:
        key, arg = next(iter(arn.items()))
        if key == "Fn::GetAtt" and isinstance(arg, list) and arg:
            return _normalize(str(arg[0]))
        if key == "Fn::ImportValue":
            return _normalize(re.sub(r"[^A-Za-z0-9]", "", str(arg)))
    return "Queue"

