"""The Telemetry port, the EMF adapter and the twin alike: a metric is recorded with its
workshop; the adapter's output is one CloudWatch EMF document per metric, the workshop its
dimension, in the namespace the dashboard reads."""

from __future__ import annotations

import json

import pytest

from tests.support.memory import MemoryTelemetry
from wod.adapters.telemetry import EmfTelemetry
from wod.domain.metrics import NAMESPACE, WORKSHOP_DIMENSION, Metric


def test_the_emf_adapter_prints_one_document_per_metric(capsys: pytest.CaptureFixture[str]) -> None:
    telemetry = EmfTelemetry()
    telemetry.count(Metric.REGISTRATIONS, "python-101")
    telemetry.seconds(Metric.TIME_TO_CREDENTIALS, "git-101", 12.5)
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert len(documents) == 2
    first, second = documents
    (directive,) = first["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert [WORKSHOP_DIMENSION] in directive["Dimensions"]
    assert directive["Metrics"] == [{"Name": "Registrations", "Unit": "Count"}]
    assert first[WORKSHOP_DIMENSION] == "python-101" and first["Registrations"] == [1.0]
    assert second[WORKSHOP_DIMENSION] == "git-101" and second["TimeToCredentials"] == [12.5]
    assert second["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] == "Seconds"


def test_the_twin_records_the_same_calls() -> None:
    telemetry = MemoryTelemetry()
    telemetry.count(Metric.REGISTRATIONS, "python-101")
    telemetry.seconds(Metric.TIME_TO_CREDENTIALS, "git-101", 12.5)
    assert telemetry.of(Metric.REGISTRATIONS) == [1]
    assert telemetry.of(Metric.TIME_TO_CREDENTIALS, "git-101") == [12.5]
    assert telemetry.of(Metric.TIME_TO_CREDENTIALS, "python-101") == []
