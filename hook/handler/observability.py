"""Powertools Logger (one JSON decision record per invocation) and Metrics (EMF)."""

from __future__ import annotations

from typing import Any


class Observer:
    def __init__(self) -> None:
        from aws_lambda_powertools import Logger, Metrics

        self.logger = Logger(service="govhook")
        self.metrics = Metrics(namespace=None, service="govhook")

    def record(self, token: str | None, record: dict[str, Any]) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        self.logger.set_correlation_id(token)
        # Never the payload URL, never property values: the record holds ids, rules and counts.
        self.logger.info("govhook decision", extra={"decision": record})
        self.metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
        self.metrics.add_metric(name=f"Decision_{record.get('outcome', 'error')}", unit=MetricUnit.Count, value=1)
        for rule in record.get("violations", []):
            self.metrics.add_metric(name=f"Violations_{rule}", unit=MetricUnit.Count, value=1)
        if record.get("error"):
            self.metrics.add_metric(name="Errors", unit=MetricUnit.Count, value=1)
        self.metrics.add_metric(name="DurationMs", unit=MetricUnit.Milliseconds, value=float(record.get("duration_ms", 0)))
        self.metrics.flush_metrics()
