"""Cached boto3 clients: created on first use (never at import), reused on warm starts.

`AWS_ENDPOINT_URL` (set by the local stack) points every client at the local endpoint.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10
)


@lru_cache(maxsize=1)
def sqs() -> SQSClient:
    return boto3.client("sqs", config=_CONFIG)


@lru_cache(maxsize=1)
def sesv2() -> SESV2Client:
    return boto3.client("sesv2", config=_CONFIG)


@lru_cache(maxsize=1)
def scheduler() -> EventBridgeSchedulerClient:
    return boto3.client("scheduler", config=_CONFIG)


@lru_cache(maxsize=1)
def secretsmanager() -> SecretsManagerClient:
    return boto3.client("secretsmanager", config=_CONFIG)
