"""``serverless.yml`` -> the targets CloudFormation's hooks would see when the Framework deploys it.

The Serverless Framework turns ``serverless.yml`` into a CloudFormation template and deploys that;
the hook only ever sees the generated template. This adapter builds the same resources offline, so
``govhook check serverless.yml`` gives the verdict the hook will give, with findings pointing at
the ``serverless.yml`` key they are about:

- per function ``<Name>LambdaFunction`` (``AWS::Lambda::Function``), named as the Framework names
  it (first letter upper-cased, ``-`` -> ``Dash``, ``_`` -> ``Underscore``), ``FunctionName``
  ``<service>-<stage>-<function>`` unless ``name:`` is set. Function keys override provider keys
  (``runtime``, ``memorySize`` (Framework default 1024), ``timeout`` (default 6), ``architecture``,
  ``tracing``, ``environment`` (merged), ``tags`` (merged), ``layers``, ``kmsKeyArn``, ``vpc``,
  ``role``, ``reservedConcurrency``, ``ephemeralStorageSize``, ``snapStart``); ``image`` makes a
  container-image function (no ``Runtime``). A function with no runtime anywhere gets an
  unresolved ``Runtime``: the Framework's default depends on its version, so it is not guessed.
- ``<Name>LogGroup`` (``/aws/lambda/<function name>``, ``logRetentionInDays``) unless ``disableLogs``;
- ``<Name>LambdaVersion`` (``DeletionPolicy: Retain``) when ``versionFunctions`` is on: provider
  ``versionFunctions`` (true when absent, as in the Framework), function ``versionFunction``
  overriding. The Framework appends a code hash to the id; it is unknown before packaging and left
  out, so exemptions should use ``<Name>LambdaVersion*``. ``provisionedConcurrency`` adds
  ``<Name>ProvConcLambdaAlias``;
- ``IamRoleLambdaExecution`` (shared by every function without its own ``role``) with
  ``provider.iam.role.statements`` (or the older ``iamRoleStatements``);
- ``url`` -> ``<Name>LambdaFunctionUrl`` (``AuthType: NONE`` unless ``authorizer: aws_iam``, with the
  Framework's public ``<Name>LambdaPermissionFnUrl``);
- events: ``http`` (``ApiGatewayRestApi`` + ``ApiGatewayMethod<Path><Verb>``), ``httpApi``
  (``HttpApi`` + ``HttpApiIntegration<Name>``), ``sqs`` (``<Name>EventSourceMappingSQS<Queue>``),
  ``stream`` (``<Name>EventSourceMapping<Dynamodb|Kinesis><Stream>``, with ``destinations.onFailure``);
- everything under ``resources.Resources`` as written; an id the Framework generates there, and
  ``resources.extensions``, are merged into the generated resource key by key (lists replaced).

The stack target carries that template, and the Framework's view in its ``framework`` field (a
:class:`hook.sdk.ServerlessService`: ``service``, ``stage``, ``region`` and the resolved
``config``), which is how ``lambda.version-functions-disabled`` sees the configuration
(``ctx.framework``); for a plain template it is ``None`` and that rule is not evaluated.

Variables. Resolved, because they are unambiguous from the file and the command line:
``${self:a.b}`` (any key of the same file, recursively), ``${opt:stage}``/``${opt:region}`` and
any ``${opt:X}`` given with ``--param X=...`` (``--stage`` is ``--param stage=``),
``${param:X}`` (``--param``, then ``params.<stage>``, then ``params.default``), ``${sls:stage}``,
``${aws:region}``, and the fallback of ``${opt:...}``/``${self:...}``/``${param:...}`` when the
value is not set (``${opt:stage, 'dev'}``), and ``${file(./x.yml)}``/``${file(./x.json):key}``: a
local file read relative to the service (``hook.cli.adapters.serverless_files``; a path outside the
service, a missing or code file is bad input, never a silent pass). Never resolved (deploy-time
sources, even with a fallback, since the real value may exist): ``${env:...}``, ``${ssm:...}``,
``${s3:...}``, ``${cf:...}``, ``${aws:accountId}``, ``${sls:instanceId}`` and any other source.
Those become :class:`hook.sdk.Unresolved` markers with the reason, so rules SKIP, never guess.
``${AWS::Region}``-style CloudFormation ``Sub`` references are left as they are. Stage: ``--stage``,
else ``provider.stage``, else ``dev``; region: ``provider.region``, else ``us-east-1``; stack name:
``provider.stackName``, else ``<service>-<stage>``.

The parts, one job each: :mod:`.variables` resolves ``${...}``, :mod:`.resources` builds the
Framework's resources, each located at its serverless.yml key through the one location layer
(:mod:`hook.inputs.locations`); this module ties them into targets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from hook.cli.adapters.serverless.resources import Builder, logical_id_prefix
from hook.cli.adapters.serverless.variables import Variables
from hook.cli.adapters.template import Resolver, TemplateResult
from hook.core.errors import TemplateError
from hook.core.model import ResourceTarget, StackTarget, Target
from hook.core.yaml_import import yaml
from hook.inputs.locations import Locator, SourceMap, mapping_node
from hook.inputs.yamlcfn import load_template_nodes, read_source
from hook.sdk import Action, ServerlessService, Unresolved, json_pointer

__all__ = [
    "SERVERLESS_FILES",
    "is_serverless_file",
    "load_serverless",
    "logical_id_prefix",
    "targets_from_serverless",
]

SERVERLESS_FILES = ("serverless.yml", "serverless.yaml")


def is_serverless_file(path: str) -> bool:
    return os.path.basename(path) in SERVERLESS_FILES


def targets_from_serverless(
    config: Mapping[str, Any],
    *,
    node: Any = None,
    file: str | None = None,
    stack_name: str | None = None,
    options: Mapping[str, str] | None = None,
    account_id: str = "123456789012",
) -> tuple[list[Target], list[str], Any]:
    """Resource targets, one stack target, notes, and the node tree the Locator reads for ``file``."""
    variables = Variables(config, options or {}, file)
    variables.settle()
    resolved = variables.resolve(config)
    builder = Builder(resolved, config, SourceMap(node if isinstance(node, yaml.MappingNode) else None), file, variables.stage, variables.region)
    template = builder.build()
    region = variables.region if isinstance(variables.region, str) else "us-east-1"
    notes: list[str] = list(builder.notes)
    if isinstance(variables.region, Unresolved):
        notes.append(f"provider.region is not known ({variables.region.describe()}); checked as us-east-1")
    name = stack_name
    if name is None:
        explicit = builder.provider.get("stackName")
        if isinstance(explicit, str):
            name = explicit
        elif isinstance(builder.service, str) and isinstance(variables.stage, str):
            name = f"{builder.service}-{variables.stage}"
        else:
            name = re.sub(r"[^A-Za-z0-9-]", "-", os.path.basename(os.path.dirname(os.path.abspath(file or "."))))
    framework = ServerlessService(builder.service, variables.stage, variables.region, resolved)
    resolver = Resolver(template, stack_name=name, parameters=None, account_id=account_id, region=region)
    targets: list[Target] = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        resolved_props = resolver.resolve(props) if isinstance(props, Mapping) else {}
        targets.append(ResourceTarget(
            resource_type=resource["Type"], logical_id=logical_id, action=Action.CREATE,
            properties=resolved_props if isinstance(resolved_props, dict) else {},
            stack_name=name, account_id=account_id, region=region, file=file,
            source_pointer=json_pointer("Resources", logical_id, "Properties"),
        ))
    targets.append(StackTarget(template=template, stack_name=name, account_id=account_id, region=region, file=file,
                               framework=framework))
    tree: Any = None
    if builder.src.root is not None:
        # The original top-level keys (so /provider/versionFunctions finds its line) plus the
        # synthesized /Resources.
        top = builder.tree.node()
        originals = [(k, v) for k, v in builder.src.root.value if getattr(k, "value", None) != "Resources"]
        tree = mapping_node(originals + list(top.value), builder.src.root.start_mark, builder.src.root.end_mark)
    return targets, notes, tree


def load_serverless(
    path: str,
    *,
    stack_name: str | None = None,
    options: Mapping[str, str] | None = None,
    account_id: str = "123456789012",
    locator: Locator | None = None,
) -> TemplateResult:
    """Read one serverless.yml; errors name the file and line (exit 2 in the CLI)."""
    text = read_source(path, "serverless.yml")
    try:
        config, node = load_template_nodes(text, path)
    except TemplateError as exc:
        if exc.message.startswith("a template must be"):
            raise TemplateError("a serverless.yml must be a mapping with service, provider and functions",
                                path, 1, 1) from exc
        raise
    targets, notes, tree = targets_from_serverless(
        config, node=node, file=path, stack_name=stack_name, options=options, account_id=account_id
    )
    if locator is not None:
        locator.add(path, text, tree)
    stack = next(t for t in targets if isinstance(t, StackTarget))
    return TemplateResult(path, dict(stack.template), targets, notes)
