#!/usr/bin/env python3
"""A small CDK app with govhook's validation plugin: one compliant stack, one that is not.

    cdk synth                     # (cdk.json runs this file) or:  python app.py
    python app.py                 # writes cdk.out/ and prints CDK's validation report

``orders-api`` passes. ``orders-legacy`` is blocked: its function runs nodejs18.x (a runtime the
policy does not allow, and one AWS has deprecated) and asks for 4096 MB. The team asks for an
exemption from the memory bound (the policy accepts requests for that rule, with a reason and an
expiry) and, hopefully, from the runtime allow-list (the policy refuses: that rule blocks and
accepts no requests). Its log retention makes CDK add the LogRetention function, whose runtime
the policy only warns about (a construct-path override in the default policy).

Context: ``govhook:policy`` (default ../../policies/default.policy.yaml), ``govhook:expires``
(the memory request's expiry, default 90 days from today), ``only`` (``compliant`` synthesizes the
compliant stack only), ``govhook:plugin`` (``off``: synthesize without the plugin, for the benchmark).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from hook.integrations.cdk import GovhookPlugin, request_exemption

HERE = os.path.dirname(os.path.abspath(__file__))
CODE = "def handler(event, context):\n    return {'ok': True}\n"


class OrdersApi(cdk.Stack):
    """Compliant: python3.13 on arm64, JSON logs into a log group with retention, tracing, tags."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        log_group = logs.LogGroup(self, "HandlerLogs", retention=logs.RetentionDays.ONE_MONTH)
        lambda_.Function(
            self, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, architecture=lambda_.Architecture.ARM_64,
            handler="index.handler", code=lambda_.Code.from_inline(CODE), memory_size=256,
            timeout=cdk.Duration.seconds(10), tracing=lambda_.Tracing.ACTIVE, log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
        )
        cdk.Tags.of(self).add("team", "orders")


class OrdersLegacy(cdk.Stack):
    """Not compliant: nodejs18.x at 4096 MB, with two exemption requests."""

    def __init__(self, scope: Construct, construct_id: str, *, expires: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        fn = lambda_.Function(
            self, "Handler", runtime=lambda_.Runtime.NODEJS_18_X, architecture=lambda_.Architecture.ARM_64,
            handler="index.handler", code=lambda_.Code.from_inline("exports.handler = async () => ({ok: true});"),
            memory_size=4096, timeout=cdk.Duration.seconds(10), tracing=lambda_.Tracing.ACTIVE,
            log_retention=logs.RetentionDays.ONE_WEEK,
        )
        cdk.Tags.of(self).add("team", "orders")
        # Accepted: the policy allows requests for the memory bound, with a reason and an expiry.
        request_exemption(fn, "lambda.memory-within-bounds",
                          "PDF rendering peaks at 3.5 GB, measured in PLAT-12", expires=expires)
        # Refused: lambda.runtime-allowed blocks and accepts no requests (requests: deny by default).
        request_exemption(fn, "lambda.runtime-allowed", "the vendor SDK needs node 18, PLAT-13",
                          expires=expires)


app = cdk.App()
policy = app.node.try_get_context("govhook:policy") or os.path.join(HERE, "..", "..", "policies",
                                                                     "default.policy.yaml")
if app.node.try_get_context("govhook:plugin") != "off":  # bench/bench_cdk.py measures synth without it
    cdk.Validations.of(app).add_plugins(GovhookPlugin(policy=policy))
env = cdk.Environment(account="111111111111", region="eu-west-1")
OrdersApi(app, "OrdersApi", stack_name="orders-api", env=env)
if app.node.try_get_context("only") != "compliant":
    expires = app.node.try_get_context("govhook:expires") or (date.today() + timedelta(days=90)).isoformat()
    OrdersLegacy(app, "OrdersLegacy", stack_name="orders-legacy", env=env, expires=expires)
app.synth()
