"""template.yaml against a hostile public: the optional WAF rate-based rule, and every abuse
setting of the API function reachable as a parameter."""

from __future__ import annotations

from typing import Any

from wod.settings import Settings
from wod.templates import load_template

TEMPLATE: dict[str, Any] = load_template()
RESOURCES = TEMPLATE["Resources"]


def test_the_waf_rule_is_optional_off_by_default_and_rate_based_per_address() -> None:
    assert TEMPLATE["Parameters"]["WafRequestsPerFiveMinutes"]["Default"] == 0
    acl = RESOURCES["SiteWebAcl"]
    assert acl["Condition"] == "UsesWaf"
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    (rule,) = acl["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": "WafRequestsPerFiveMinutes"}
    assert "Block" in rule["Action"]
    attached = RESOURCES["SiteDistribution"]["Properties"]["DistributionConfig"]["WebACLId"]
    assert attached["Fn::If"][0] == "UsesWaf"
    condition = str(TEMPLATE["Conditions"]["UsesWaf"])
    assert "WafRequestsPerFiveMinutes" in condition and "us-east-1" in condition


def test_every_abuse_setting_is_a_parameter_of_the_functions() -> None:
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    for setting in (
        "altcha_max_number",
        "limit_source_per_minute",
        "limit_source_per_day",
        "limit_person_per_hour",
        "limit_person_per_day",
        "limit_mails_per_person_per_day",
        "domain_cap_per_workshop",
        "domain_cap_exempt",
        "limits_table",
    ):
        value = variables[f"WOD_{setting.upper()}"]
        assert "Ref" in value, setting
        if value["Ref"] in TEMPLATE["Parameters"]:
            default = TEMPLATE["Parameters"][value["Ref"]]["Default"]
            ours = Settings.model_fields[setting].get_default(call_default_factory=True)
            assert default == (",".join(ours) if isinstance(ours, list) else ours), setting
