"""template.yaml's tables against the PynamoDB models: keys, indexes and TTL cannot drift."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from wod.adapters.models import GuardRecord, LimitRecord, RegistrationRecord, WorkshopRecord
from wod.templates import load_template, resources_of_type

TABLES: dict[str, type[Model]] = {
    "WorkshopsTable": WorkshopRecord,
    "RegistrationsTable": RegistrationRecord,
    "GuardsTable": GuardRecord,
    "LimitsTable": LimitRecord,
}


def template_tables() -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in resources_of_type(load_template(), "AWS::DynamoDB::Table").items()
    }


def test_every_table_has_a_model() -> None:
    assert set(template_tables()) == set(TABLES)


def _keys(key_schema: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(k["AttributeName"], k["KeyType"]) for k in key_schema}


@pytest.mark.parametrize("logical", sorted(TABLES))
def test_keys_and_indexes_match(logical: str) -> None:
    props = template_tables()[logical]
    schema = TABLES[logical]._get_schema()  # PynamoDB's own CreateTable view of the model
    assert _keys(props["KeySchema"]) == _keys(schema["key_schema"])
    assert {(d["AttributeName"], d["AttributeType"]) for d in props["AttributeDefinitions"]} == {
        (d["AttributeName"], d["AttributeType"]) for d in schema["attribute_definitions"]
    }
    template_indexes = {
        i["IndexName"]: (_keys(i["KeySchema"]), i["Projection"]["ProjectionType"])
        for i in props.get("GlobalSecondaryIndexes", [])
    }
    model_indexes = {
        i["index_name"]: (_keys(i["key_schema"]), i["projection"]["ProjectionType"])
        for i in schema["global_secondary_indexes"]
    }
    assert template_indexes == model_indexes


@pytest.mark.parametrize("logical", sorted(TABLES))
def test_ttl_attribute_matches(logical: str) -> None:
    props = template_tables()[logical]
    model = TABLES[logical]
    ttl_attributes = [
        name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)
    ]
    declared = props.get("TimeToLiveSpecification")
    if declared is None:
        assert ttl_attributes == []
    else:
        assert declared["Enabled"] is True
        assert ttl_attributes == [declared["AttributeName"]]


@pytest.mark.parametrize("logical", sorted(TABLES))
def test_tables_keep_point_in_time_recovery(logical: str) -> None:
    props = template_tables()[logical]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
