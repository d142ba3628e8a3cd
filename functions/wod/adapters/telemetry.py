"""Business metrics as CloudWatch Embedded Metric Format lines (Powertools' `single_metric`):
each metric is its own EMF document with the workshop as its dimension, printed to the
function's log, from which CloudWatch extracts it (no PutMetricData call, no IAM grant)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from wod.domain.metrics import NAMESPACE, WORKSHOP_DIMENSION, Metric


class EmfTelemetry:
    """Implements the Telemetry port."""

    def __init__(self, namespace: str = NAMESPACE) -> None:
        self._namespace = namespace

    def count(self, metric: Metric, workshop_id: str, value: float = 1) -> None:
        self._emit(metric, workshop_id, value, MetricUnit.Count)

    def seconds(self, metric: Metric, workshop_id: str, value: float) -> None:
        self._emit(metric, workshop_id, value, MetricUnit.Seconds)

    def _emit(self, metric: Metric, workshop_id: str, value: float, unit: MetricUnit) -> None:
        with single_metric(
            name=metric.value, unit=unit, value=value, namespace=self._namespace
        ) as emf:
            emf.add_dimension(name=WORKSHOP_DIMENSION, value=workshop_id)
