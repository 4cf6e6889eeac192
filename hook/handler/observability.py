"""Powertools Logger (one JSON decision record per invocation) and Metrics (EMF).

Metrics need ``POWERTOOLS_METRICS_NAMESPACE``; without it (the README allows that) no metric is
made and nothing is kept: Powertools would refuse every flush and hold every value it was given,
so a warm container would slow down call after call. A failed flush drops what it could not send.
"""

from __future__ import annotations

import os
from typing import Any


class Observer:
    def __init__(self) -> None:
        from aws_lambda_powertools import Logger

        self.logger = Logger(service="govhook")
        self.metrics: Any = None
        if os.environ.get("POWERTOOLS_METRICS_NAMESPACE"):
            from aws_lambda_powertools import Metrics

            self.metrics = Metrics(service="govhook")

    def record(self, token: str | None, record: dict[str, Any]) -> None:
        self.logger.set_correlation_id(token)
        # Never the payload URL, never property values: the record holds ids, rules and counts.
        self.logger.info("govhook decision", extra={"decision": record})
        if self.metrics is not None:
            self._metrics(record)

    def _metrics(self, record: dict[str, Any]) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        metrics = self.metrics
        try:
            metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
            metrics.add_metric(name=f"Decision_{record.get('outcome', 'error')}", unit=MetricUnit.Count, value=1)
            for rule in record.get("violations", []):
                metrics.add_metric(name=f"Violations_{rule}", unit=MetricUnit.Count, value=1)
            if record.get("error"):
                metrics.add_metric(name="Errors", unit=MetricUnit.Count, value=1)
            metrics.add_metric(name="DurationMs", unit=MetricUnit.Milliseconds,
                               value=float(record.get("duration_ms", 0)))
            metrics.flush_metrics()
        finally:
            metrics.clear_metrics()  # a flush that failed must not leave its values for the next call
