"""template.yaml's IAM, read statically: no wildcard actions or resources, one least-privilege role
per function, an agent that can only poll its queue; plus CORS, throttling, tables and cfn-lint."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wod.settings import REPO_ROOT
from wod.templates import expected_grants, load_template, resources_of_type

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")

# What each function's code calls, on exactly which resource (infra/grants.yml).
EXPECTED_GRANTS = expected_grants()
AGENT_ACTIONS = {
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
}

# ------------------------------------------------------------------------------------ helpers


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def documents_of(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every policy document a resource carries (identity and resource policies alike)."""
    props = resource.get("Properties", {})
    if resource["Type"] == "AWS::IAM::Role":
        yield props["AssumeRolePolicyDocument"]
        for policy in props.get("Policies", []):
            yield policy["PolicyDocument"]
    elif resource["Type"] == "AWS::IAM::User":
        for policy in props.get("Policies", []):
            yield policy["PolicyDocument"]
    elif "PolicyDocument" in props:
        yield props["PolicyDocument"]


def all_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    for logical, resource in RESOURCES.items():
        for document in documents_of(resource):
            for statement in as_list(document["Statement"]):
                yield logical, statement


def sub_text(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return value if isinstance(value, str) else None


ARN_PREFIX = re.compile(
    r"^arn:\$\{AWS::Partition\}:[a-z0-9-]+:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
)
REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}")


def label(resource: Any) -> str:
    """A readable name for a Resource entry: the logical id, or the ARN after its account."""
    if isinstance(resource, dict) and "Ref" in resource:
        return str(resource["Ref"])
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical, attribute = resource["Fn::GetAtt"]
        assert attribute == "Arn", resource
        return str(logical)
    text = sub_text(resource)
    assert text is not None, f"unexpected Resource form: {resource!r}"
    return ARN_PREFIX.sub("", text)


def wildcard_is_inside_own_resource(text: str) -> bool:
    """A "*" is allowed once, at the very end, after a reference to a resource of this stack
    (a name prefix among names made at run time: schedules, objects of our bucket)."""
    head, _, tail = text.partition("*")
    if tail or not head:
        return False
    references = REFERENCE.findall(head)
    return bool(references) and references[-1] in RESOURCES and not head.startswith("*")


def grants_of_role(role: str) -> dict[str, set[str]]:
    grants: dict[str, set[str]] = {}
    for policy in RESOURCES[role]["Properties"].get("Policies", []):
        for statement in as_list(policy["PolicyDocument"]["Statement"]):
            assert statement["Effect"] == "Allow"
            for resource in as_list(statement["Resource"]):
                grants.setdefault(label(resource), set()).update(as_list(statement["Action"]))
    return grants


def role_of(function: str) -> str:
    role = FUNCTIONS[function]["Properties"].get("Role")
    assert isinstance(role, dict) and "Fn::GetAtt" in role, f"{function} has no role of its own"
    logical, attribute = role["Fn::GetAtt"]
    assert attribute == "Arn"
    return str(logical)


# ------------------------------------------------------------------------------ no wildcards


def test_no_action_has_a_wildcard() -> None:
    for logical, statement in all_statements():
        assert "NotAction" not in statement, logical
        for action in as_list(statement["Action"]):
            assert isinstance(action, str) and "*" not in action, (logical, action)


def test_no_resource_is_a_wildcard() -> None:
    """No "*", no service-wide ARN: a wildcard only ends an ARN of this stack's own resource."""
    for logical, statement in all_statements():
        assert "NotResource" not in statement, logical
        for resource in as_list(statement.get("Resource", [])):
            text = sub_text(resource)
            if text is None:
                continue  # !Ref / !GetAtt of a resource of this template
            if "*" in text:
                assert wildcard_is_inside_own_resource(text), (logical, text)


def test_wildcard_rule_rejects_service_wide_arns() -> None:
    assert not wildcard_is_inside_own_resource("*")
    assert not wildcard_is_inside_own_resource("arn:aws:s3:::*")
    assert not wildcard_is_inside_own_resource(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"
    )
    assert not wildcard_is_inside_own_resource("arn:aws:scheduler:*:*:schedule/${ScheduleGroup}/x")
    assert wildcard_is_inside_own_resource("arn:aws:scheduler:r:1:schedule/${ScheduleGroup}/wod-*")


def test_only_allow_statements_and_no_aws_managed_policies() -> None:
    for logical, statement in all_statements():
        assert statement["Effect"] == "Allow", logical
    for logical, resource in RESOURCES.items():
        for arn in resource.get("Properties", {}).get("ManagedPolicyArns", []):
            assert isinstance(arn, dict) and "Ref" in arn, (logical, arn)
            assert RESOURCES[arn["Ref"]]["Type"] == "AWS::IAM::ManagedPolicy", (logical, arn)


# ------------------------------------------------------------------------ one role per function


def test_every_function_has_its_own_role_and_no_sam_policies() -> None:
    roles = [role_of(function) for function in FUNCTIONS]
    assert len(set(roles)) == len(FUNCTIONS)
    for function, resource in FUNCTIONS.items():
        assert "Policies" not in resource["Properties"], f"{function}: SAM policy templates"
        trust = RESOURCES[role_of(function)]["Properties"]["AssumeRolePolicyDocument"]
        assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]
    for role in roles:  # nothing else runs with a function's role
        users = [name for name, r in RESOURCES.items() if f'"{role}", "Arn"' in json.dumps(r)]
        assert len(users) == 1, (role, users)


def test_every_function_is_covered() -> None:
    assert set(FUNCTIONS) == set(EXPECTED_GRANTS)


@pytest.mark.parametrize("function", sorted(EXPECTED_GRANTS))
def test_function_role_grants_exactly_what_its_code_calls(function: str) -> None:
    assert grants_of_role(role_of(function)) == EXPECTED_GRANTS[function]


@pytest.mark.parametrize("function", sorted(EXPECTED_GRANTS))
def test_function_logs_to_its_own_group(function: str) -> None:
    group = FUNCTIONS[function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert "logs:PutLogEvents" in grants_of_role(role_of(function))[group]


def test_scheduler_role_is_passed_only_to_the_scheduler() -> None:
    for logical, statement in all_statements():
        if "iam:PassRole" in as_list(statement["Action"]):
            assert statement["Resource"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}, logical
            passed_to = statement["Condition"]["StringEquals"]["iam:PassedToService"]
            assert passed_to == "scheduler.amazonaws.com", logical


def test_scheduler_role_invokes_the_lifecycle_function_only() -> None:
    name = FUNCTIONS["LifecycleFunction"]["Properties"]["FunctionName"]["Fn::Sub"]
    arn = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + name
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["WOD_LIFECYCLE_FUNCTION_ARN"] == {"Fn::Sub": arn}
    assert grants_of_role("SchedulerRole") == {label({"Fn::Sub": arn}): {"lambda:InvokeFunction"}}


def test_tracing_is_not_active() -> None:
    """Active X-Ray needs xray:PutTraceSegments on Resource "*", which no role is granted."""
    tracing = [TEMPLATE["Globals"]["Function"].get("Tracing")]
    tracing += [f["Properties"].get("Tracing") for f in FUNCTIONS.values()]
    assert "Active" not in tracing


# ------------------------------------------------------------------------------------- agent


def test_agent_can_only_poll_its_queue() -> None:
    policy = RESOURCES["AgentPolicy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    statements = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    queue = [s for s in statements if set(as_list(s["Action"])) == AGENT_ACTIONS]
    assert len(queue) == 1
    assert queue[0]["Resource"] == {"Fn::GetAtt": ["DefaultBackendQueue", "Arn"]}
    # Anything else may only be execute-api:Invoke on the callback route.
    for statement in statements:
        if statement is queue[0]:
            continue
        assert as_list(statement["Action"]) == ["execute-api:Invoke"], statement
        for resource in as_list(statement["Resource"]):
            assert str(sub_text(resource)).endswith("/POST/api/agent/callbacks"), resource


def test_agent_user_has_the_agent_policy_and_nothing_else() -> None:
    user = RESOURCES["AgentUser"]["Properties"]
    assert user == {"ManagedPolicyArns": [{"Ref": "AgentPolicy"}]}
    assert resources_of_type(TEMPLATE, "AWS::IAM::AccessKey") == {}  # no secret in outputs
    mentions = [
        logical
        for logical, resource in RESOURCES.items()
        if logical != "AgentUser" and "AgentUser" in json.dumps(resource)
    ]
    assert mentions == []
    outputs = {name: output["Value"] for name, output in TEMPLATE["Outputs"].items()}
    assert outputs["AgentPolicyArn"] == {"Ref": "AgentPolicy"}
    assert outputs["AgentUserName"] == {"Ref": "AgentUser"}


# ------------------------------------------------------------------------ API, site, tables


def test_cors_allows_the_site_origin_only() -> None:
    cors = RESOURCES["HttpApi"]["Properties"]["CorsConfiguration"]
    (origin,) = cors["AllowOrigins"]
    assert "*" not in json.dumps(origin)
    condition, alias, cloudfront = origin["Fn::If"]
    assert condition == "HasSiteAlias"
    assert alias == {"Fn::Sub": "https://${SiteAlias}"}
    assert cloudfront == {"Fn::Sub": "https://${SiteDistribution.DomainName}"}
    # The mails' links and the SiteUrl output are the same origin, plus "/".
    site_url = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["WOD_SITE_URL"]
    urls = [{"Fn::Sub": origin["Fn::Sub"] + "/"} for origin in (alias, cloudfront)]
    expected = {"Fn::If": [condition, *urls]}
    assert site_url == expected
    assert TEMPLATE["Outputs"]["SiteUrl"]["Value"] == expected
    assert "*" not in json.dumps(cors)


def test_api_is_throttled() -> None:
    settings = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    for key in ("ThrottlingBurstLimit", "ThrottlingRateLimit"):
        parameter = settings[key]["Ref"]
        assert int(TEMPLATE["Parameters"][parameter]["Default"]) > 0


def test_site_bucket_is_private_and_encrypted() -> None:
    bucket = RESOURCES["SiteBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    (statement,) = RESOURCES["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${SiteDistribution}")
    origin = RESOURCES["SiteDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}


@pytest.mark.parametrize("table", ["WorkshopsTable", "RegistrationsTable", "GuardsTable"])
def test_tables_have_point_in_time_recovery_and_encryption(table: str) -> None:
    props = RESOURCES[table]["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize("table", ["RegistrationsTable", "GuardsTable"])
def test_registrations_and_guards_expire(table: str) -> None:
    ttl = RESOURCES[table]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}


def test_token_key_comes_from_its_own_secret() -> None:
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["WOD_TOKEN_KEY_ARN"] == {"Ref": "TokenKeySecret"}
    assert env["WOD_CALLBACK_SECRET_ARN"] == {"Ref": "CallbackSecret"}
    assert "WOD_TOKEN_KEY" not in env  # a secret value in an environment variable is readable


# -------------------------------------------------------------------------------- cfn-lint


def test_cfn_lint_is_clean() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), "template.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stuck_rule_is_a_parameter_every_function_reads() -> None:
    parameter = TEMPLATE["Parameters"]["StuckAfterSeconds"]
    assert parameter["Type"] == "Number" and int(parameter["Default"]) == 600
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["WOD_STUCK_AFTER_SECONDS"] == {"Ref": "StuckAfterSeconds"}


def test_the_agent_callback_route_has_its_own_throttle() -> None:
    """Public traffic cannot use up the agent's callbacks: HTTP API throttles per route, and
    the callback is a route of its own with its own limits (not the public default)."""
    events = RESOURCES["ApiFunction"]["Properties"]["Events"]
    routes = {
        f"{event['Properties']['Method']} {event['Properties']['Path']}"
        for event in events.values()
        if event["Type"] == "HttpApi"
    }
    assert {"ANY /api/{proxy+}", "POST /api/agent/callbacks"} <= routes
    api = RESOURCES["HttpApi"]["Properties"]
    own = api["RouteSettings"]["POST /api/agent/callbacks"]
    public = api["DefaultRouteSettings"]
    for key in ("ThrottlingBurstLimit", "ThrottlingRateLimit"):
        parameter = own[key]["Ref"]
        assert parameter != public[key]["Ref"]
        assert parameter.startswith("Callback")
        assert int(TEMPLATE["Parameters"][parameter]["Default"]) > 0
    rate = int(TEMPLATE["Parameters"][own["ThrottlingRateLimit"]["Ref"]]["Default"])
    burst = int(TEMPLATE["Parameters"][own["ThrottlingBurstLimit"]["Ref"]]["Default"])
    assert burst >= rate


def test_the_retention_period_is_a_parameter_every_function_reads() -> None:
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["WOD_RETENTION_DAYS"] == {"Ref": "RetentionDays"}
    assert TEMPLATE["Parameters"]["RetentionDays"]["Default"] == 90


def test_each_backend_signs_with_its_own_secret() -> None:
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["WOD_CALLBACK_SECRET_ARNS"] == {"Fn::Sub": '{"default": "${CallbackSecret}"}'}
