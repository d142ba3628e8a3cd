"""template.yaml's console and observability, read statically: the admin routes behind the IAM
authorizer and the organizers' policy; the alarms (agent down, dead letters, API 5xx, function
errors, SES reputation) to the optional AlarmEmail; the dashboard plotting the metrics the code
emits."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from wod.domain.metrics import NAMESPACE, Metric
from wod.templates import load_template

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
ALARM_ACTIONS = {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}


def props(logical: str) -> dict[str, Any]:
    return dict(RESOURCES[logical]["Properties"])


def test_admin_routes_need_a_sigv4_signature() -> None:
    assert props("HttpApi")["Auth"] == {"EnableIamAuthorizer": True}
    events = props("ApiFunction")["Events"]
    admin = events["Admin"]["Properties"]
    assert admin["Path"] == "/api/admin/{proxy+}" and admin["Auth"] == {"Authorizer": "AWS_IAM"}
    # Every other route stays public (no authorizer).
    assert all("Auth" not in e["Properties"] for name, e in events.items() if name != "Admin")


def test_the_organizer_policy_opens_the_admin_routes_only() -> None:
    (statement,) = props("OrganizerPolicy")["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke"
    for resource in statement["Resource"]:
        arn = resource["Fn::Sub"]
        assert re.search(r":\$\{HttpApi\}/\$default/(GET|POST|PUT)/api/admin/\*$", arn), arn
    assert TEMPLATE["Outputs"]["OrganizerPolicyArn"]["Value"] == {"Ref": "OrganizerPolicy"}


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric"),
    [
        ("OrderQueueAgeAlarm", "AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("DeadLetterAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("Api5xxAlarm", "AWS/ApiGateway", "5xx"),
        ("MailBounceRateAlarm", "AWS/SES", "Reputation.BounceRate"),
        ("MailComplaintRateAlarm", "AWS/SES", "Reputation.ComplaintRate"),
    ],
)
def test_each_alarm_watches_its_metric_and_mails_the_optional_address(
    alarm: str, namespace: str, metric: str
) -> None:
    alarm_props = props(alarm)
    assert (alarm_props["Namespace"], alarm_props["MetricName"]) == (namespace, metric)
    assert alarm_props["AlarmActions"] == ALARM_ACTIONS
    assert alarm_props["TreatMissingData"] == "notBreaching"


def test_the_order_queue_alarm_is_on_the_queue_the_agent_polls() -> None:
    dimensions = props("OrderQueueAgeAlarm")["Dimensions"]
    assert dimensions == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DefaultBackendQueue", "QueueName"]}}
    ]
    assert props("OrderQueueAgeAlarm")["Threshold"] == 600


def test_function_errors_cover_every_function() -> None:
    alarm = props("FunctionErrorsAlarm")
    watched = {
        query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
        for query in alarm["Metrics"]
        if "MetricStat" in query
    }
    functions = {k for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}
    assert watched == functions
    assert alarm["AlarmActions"] == ALARM_ACTIONS


def test_the_alarm_topic_mails_the_optional_address() -> None:
    topic = RESOURCES["AlarmTopic"]
    assert topic["Condition"] == "HasAlarmEmail"
    assert topic["Properties"]["Subscription"] == [
        {"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}
    ]
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""


def dashboard_body() -> dict[str, Any]:
    body, values = props("Dashboard")["DashboardBody"]["Fn::Sub"]
    assert values["Namespace"] == NAMESPACE
    # ${Name} -> a placeholder: what CloudFormation substitutes, then the JSON must parse.
    return dict(json.loads(re.sub(r"\$\{[A-Za-z0-9:.]+\}", "x", body)))


def test_the_dashboard_is_json_and_plots_every_business_metric() -> None:
    expressions = [
        query["expression"]
        for widget in dashboard_body()["widgets"]
        for line in widget["properties"]["metrics"]
        for query in line
        if isinstance(query, dict) and "expression" in query
    ]
    for metric in Metric:
        assert any(f'MetricName="{metric.value}"' in e for e in expressions), metric
    for logical in ("ApiFunction", "SweepFunction", "LifecycleFunction", "MailEventsFunction"):
        assert f"${{{logical}}}" in props("Dashboard")["DashboardBody"]["Fn::Sub"][0]
