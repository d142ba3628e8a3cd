"""Runs each Lambda handler in-process against the local stack (moto server), records every AWS
call it makes, and compares them, as IAM (action, resource) pairs, with the grants that
infra/grants.yml holds for the template's roles. A maintainer's check after
changing what a function calls (not run by CI):

    .venv/bin/python infra/trace_grants.py      # exit 1 if a call is not granted

Journeys: catalog reads, register (new, duplicate, suppressed), status, badge, erasure, agent
callbacks (created, failed, ended, a failed end ordered again), end early; the organizers' admin
routes (status, list, close, open, define, sync, extend, reissue); reminder and expiry schedules;
a bounce; sweeps that repair follow-ups, give a seat back and resend an end order.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.client
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from wod.local.events import LocalContext, request_to_event
from wod.local.proof import solution_for
from wod.local.stack import LocalStack, free_port
from wod.settings import REPO_ROOT, get_settings
from wod.templates import expected_grants
from wod_contracts import signing
from wod_contracts.branding import load_branding
from wod_contracts.catalog import load_catalog

EXPECTED_GRANTS = expected_grants()

Call = tuple[str, str, dict[str, Any]]
# Values of the two secrets in the local endpoint only.
TOKEN_KEY = "trace-token-key"  # noqa: S105
CALLBACK_SECRET = "trace-callback-secret"  # noqa: S105
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


class Recorder:
    """Wraps botocore's one entry point (boto3 and PynamoDB both call it) to file each call
    under the function whose handler is running."""

    def __init__(self) -> None:
        self.current = "setup"
        self.calls: dict[str, list[Call]] = defaultdict(list)
        original = botocore.client.BaseClient._make_api_call
        recorder = self

        def record(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            recorder.calls[recorder.current].append((service, operation, dict(params)))
            return original(client, operation, params)

        botocore.client.BaseClient._make_api_call = record  # type: ignore[method-assign]

    def run(self, function: str, call: Callable[[], Any]) -> Any:
        self.current = function
        try:
            return call()
        finally:
            self.current = "setup"


def to_grants(calls: list[Call], tables: dict[str, str], token_arn: str) -> dict[str, set[str]]:
    """AWS calls as IAM actions per resource label (the labels of test_template_iam)."""
    grants: dict[str, set[str]] = defaultdict(set)
    for service, operation, params in calls:
        if service == "dynamodb" and operation == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((kind, spec),) = item.items()
                grants[tables[spec["TableName"]]].add(f"dynamodb:{TRANSACT_ACTIONS[kind]}")
        elif service == "dynamodb" and params.get("IndexName"):
            label = f"${{{tables[params['TableName']]}.Arn}}/index/{params['IndexName']}"
            grants[label].add(f"dynamodb:{operation}")
        elif service == "dynamodb":
            grants[tables[params["TableName"]]].add(f"dynamodb:{operation}")
        elif service == "sqs":
            grants["DefaultBackendQueue"].add(f"sqs:{operation}")
        elif service == "sesv2":
            # v2 SendEmail with Raw content is authorized as ses:SendRawEmail (and SendEmail).
            raw = operation == "SendEmail" and "Raw" in params.get("Content", {})
            actions = {"ses:SendRawEmail", "ses:SendEmail"} if raw else {f"ses:{operation}"}
            grants["identity/${SenderIdentity}"].update(actions)
            grants["configuration-set/${MailConfigurationSet}"].update(actions)
        elif service == "scheduler":
            grants["schedule/${ScheduleGroup}/wod-*"].add(f"scheduler:{operation}")
            if operation == "CreateSchedule":
                grants["SchedulerRole"].add("iam:PassRole")
        elif service == "secretsmanager":
            secret = "TokenKeySecret" if params["SecretId"] == token_arn else "CallbackSecret"
            grants[secret].add(f"secretsmanager:{operation}")
        else:
            grants[f"unexpected service {service}"].add(operation)
    return dict(grants)


class Journeys:
    def __init__(self, stack: LocalStack, recorder: Recorder) -> None:
        self.stack = stack
        self.recorder = recorder

    @staticmethod
    def reset(**env: str) -> None:
        """New settings and services, as a cold start of a function would have."""
        from wod.adapters import secrets
        from wod.services.wiring import get_services

        os.environ.update(env)
        get_settings.cache_clear()
        get_services.cache_clear()
        secrets._from_secrets_manager.cache_clear()

    def api(self, method: str, path: str, body: bytes = b"", **headers: str) -> dict[str, Any]:
        import wod.handlers.api as api

        environ = EnvironBuilder(
            method=method,
            path=path,
            data=body,
            headers={"content-type": "application/json", **headers},
        ).get_environ()
        event = request_to_event(Request(environ), body)
        result: dict[str, Any] = self.recorder.run(
            "ApiFunction", lambda: api.handler(event, LocalContext())
        )
        return result

    def register(self, n: int, workshop: str = "python-101") -> dict[str, Any]:
        person = {
            "workshop_id": workshop,
            "email": f"trace{n}@example.org",
            "first_name": "Trace",
            "last_name": str(n),
            "company": "Tracing",
            "accept_terms": True,
            "altcha": solution_for(json.loads(self.api("GET", "/api/challenge", b"")["body"])),
        }
        return self.api("POST", "/api/registrations", json.dumps(person).encode())

    def orders(self) -> list[Any]:
        """The registrations' orders queued since the last look (PREPAREs of warm seats are
        read and dropped: they are about free seats)."""
        from wod_contracts.orders import Order, OrderVerb

        sqs = boto3.client("sqs")
        found = []
        for url in self.stack.resources.queue_urls.values():
            while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                for message in messages:
                    order = Order.model_validate_json(message["Body"])
                    if order.verb is not OrderVerb.PREPARE:
                        found.append(order)
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    def callback(self, order: Any, succeeded: bool = True) -> dict[str, Any]:
        created = order.verb.value in ("CREATE", "REISSUE") and succeeded
        fields: dict[str, Any] = {
            "order_id": order.order_id,
            "registration_id": order.registration_id,
            "verb": order.verb.value,
            "callback_token": order.callback_token,
            "outcome": "succeeded" if succeeded else "failed",
            "password": "Correct-Horse-42" if created else None,
            "error": None if succeeded else "the playbook failed",
            "finished_at": datetime.now(UTC).isoformat(),
        }
        if order.verb.value == "PREPARE":
            fields.update(workshop_id=order.workshop_id, student=order.student)
        body = json.dumps(fields).encode()
        headers = signing.signed_headers(CALLBACK_SECRET.encode(), int(time.time()), body)
        return self.api("POST", "/api/agent/callbacks", body, **headers)

    def run_api(self) -> str:
        from wod.domain import tokens

        key = TOKEN_KEY.encode()
        self.api("GET", "/api/workshops")
        self.api("GET", "/api/workshops/python-101")
        self.api("GET", "/api/workshops/python-101/badge.svg")
        first = json.loads(self.register(1)["body"])["registration_id"]
        self.register(1)  # duplicate
        status = f"/api/registrations/{first}?token={tokens.status_token(key, first)}"
        self.api("GET", status)
        (create,) = self.orders()
        self.callback(create)
        self.api("DELETE", status)
        (cleanup,) = self.orders()
        self.callback(cleanup, succeeded=False)  # a new attempt is queued
        (retry,) = self.orders()
        self.callback(retry)
        self.api("GET", f"/api/badges/{first}?token={tokens.badge_token(key, first)}")
        self.api("DELETE", status + "&erase=true")  # the participant erases their data
        self.register(2)
        (failing,) = self.orders()
        self.callback(failing, succeeded=False)
        ready = json.loads(self.register(3)["body"])["registration_id"]
        (create,) = self.orders()
        self.callback(create)
        return str(ready)

    def admin(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """An admin call as API Gateway passes it on once its IAM authorizer let it through."""
        import wod.handlers.api as api

        data = json.dumps(body).encode() if body is not None else b""
        environ = EnvironBuilder(
            method=method, path=path, data=data, headers={"content-type": "application/json"}
        ).get_environ()
        event = request_to_event(Request(environ), data)
        event["requestContext"]["authorizer"] = {"iam": {"accessKey": "AKIATRACE"}}
        result: dict[str, Any] = self.recorder.run(
            "ApiFunction", lambda: api.handler(event, LocalContext())
        )
        assert result["statusCode"] < 300, result
        return result

    def run_admin(self, ready: str) -> None:
        from wod_contracts.catalog import load_catalog as load

        self.admin("GET", "/api/admin/status")
        self.admin("GET", "/api/admin/registrations?workshop=python-101&state=ready")
        self.admin("POST", "/api/admin/workshops/git-101/close")
        self.admin("POST", "/api/admin/workshops/git-101/open")
        workshop = load([REPO_ROOT / "workshops"]).get("git-101").workshop
        self.admin(
            "PUT", "/api/admin/workshops/git-101", {"workshop": workshop.model_dump(mode="json")}
        )
        self.admin("POST", "/api/admin/sync", {"keep": ["python-101", "python-201", "git-101"]})
        self.admin("POST", f"/api/admin/registrations/{ready}/extend", {"minutes": 5})
        self.admin("POST", f"/api/admin/registrations/{ready}/reissue")
        (reissue,) = self.orders()
        self.callback(reissue)

    def run_lifecycle(self, registration_id: str) -> None:
        import wod.handlers.lifecycle as lifecycle

        self.reset()
        for kind in ("reminder", "expiry"):
            event = {"kind": kind, "registration_id": registration_id}
            self.recorder.run(
                "LifecycleFunction", lambda e=event: lifecycle.handler(e, LocalContext())
            )
        self.orders()

    def run_mail_events(self) -> None:
        import wod.handlers.mail_events as mail_events

        self.reset()
        bounce = {
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bouncedRecipients": [{"emailAddress": "trace9@example.org"}],
            },
            "mail": {"destination": ["trace9@example.org"]},
        }
        record = {
            "EventSource": "aws:sns",
            "Sns": {"Type": "Notification", "MessageId": "1", "Message": json.dumps(bounce)},
        }
        self.recorder.run(
            "MailEventsFunction",
            lambda: mail_events.handler({"Records": [record]}, LocalContext()),
        )
        self.reset()
        self.register(9)  # refused: suppressed

    def claim_without_follow_ups(self, n: int) -> None:
        from wod.adapters.registrations import RegistrationStore
        from wod.domain.participants import RegistrationRequest
        from wod.domain.registrations import plan_registration
        from wod.services.wiring import get_services

        seats = get_services().workshops.get("python-201", consistent=True)
        request = RegistrationRequest.model_validate(
            {
                "workshop_id": "python-201",
                "email": f"trace{n}@example.org",
                "first_name": "Trace",
                "last_name": str(n),
                "company": "Tracing",
                "accept_terms": True,
            }
        )
        registration = plan_registration(
            request, seats.workshop, min(seats.free_students), datetime.now(UTC)
        )
        RegistrationStore().claim_seat(registration)

    def run_sweep(self) -> None:
        import wod.handlers.sweep as sweep

        def sweep_once() -> Any:
            return self.recorder.run("SweepFunction", lambda: sweep.handler({}, LocalContext()))

        patient = {"WOD_SWEEP_GIVE_UP_SECONDS": "100000", "WOD_STUCK_AFTER_SECONDS": "100000"}
        impatient = {"WOD_SWEEP_GIVE_UP_SECONDS": "0", "WOD_STUCK_AFTER_SECONDS": "0"}
        self.claim_without_follow_ups(20)
        time.sleep(1.1)
        self.reset(WOD_SWEEP_GRACE_SECONDS="0", **patient)
        sweep_once()  # repairs the follow-ups
        self.orders()
        self.claim_without_follow_ups(21)
        time.sleep(1.1)
        self.reset(**impatient)
        sweep_once()  # gives the seat back, resends an end order
        sweep_once()


def main() -> int:
    recorder = Recorder()
    stack = LocalStack(
        aws_port=free_port(), gateway_port=free_port(), log_dir=Path(tempfile.mkdtemp())
    )
    catalog = load_catalog([REPO_ROOT / "workshops"])
    stack.start_aws()
    try:
        stack.provision(catalog, str(load_branding(REPO_ROOT / "branding.yml").sender))
        stack.seed(catalog)
        os.environ.update({**stack.env(), "POWERTOOLS_LOG_LEVEL": "CRITICAL"})
        os.environ.pop("WOD_MAIL_CONFIGURATION_SET", None)
        secrets = boto3.client("secretsmanager")
        token_arn = secrets.create_secret(Name="trace-token", SecretString=TOKEN_KEY)["ARN"]
        callback_arn = secrets.create_secret(Name="trace-cb", SecretString=CALLBACK_SECRET)["ARN"]
        os.environ.update({"WOD_TOKEN_KEY_ARN": token_arn, "WOD_CALLBACK_SECRET_ARN": callback_arn})
        journeys = Journeys(stack, recorder)
        journeys.reset()
        ready = journeys.run_api()
        journeys.run_admin(ready)
        journeys.run_lifecycle(ready)
        journeys.run_mail_events()
        journeys.run_sweep()
    finally:
        stack.stop()

    settings = get_settings()
    tables = {
        settings.workshops_table: "WorkshopsTable",
        settings.registrations_table: "RegistrationsTable",
        settings.guards_table: "GuardsTable",
        settings.limits_table: "LimitsTable",
    }
    missing_any = False
    for function, expected in EXPECTED_GRANTS.items():
        used = to_grants(recorder.calls.get(function, []), tables, token_arn)
        missing = {k: v - expected.get(k, set()) for k, v in used.items()}
        missing = {k: v for k, v in missing.items() if v}
        unused = {
            k: v - used.get(k, set())
            for k, v in expected.items()
            if v - used.get(k, set()) and not k.endswith("LogGroup")
        }
        print(f"{function}: {sum(map(len, used.values()))} (action, resource) pairs called")
        print(f"  called but not granted: {missing or 'none'}")
        print(f"  granted, not called in these journeys: {unused or 'none'}")
        missing_any |= bool(missing)
    return 1 if missing_any else 0


if __name__ == "__main__":
    raise SystemExit(main())
