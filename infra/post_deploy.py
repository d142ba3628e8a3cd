"""After `sam deploy` (called by `make deploy`): seed the catalog into the stack's tables, build the
site with the stack's API URL and publish it to the site bucket behind CloudFront.

    .venv/bin/python infra/post_deploy.py outputs   # the stack's outputs (agent settings, URLs)
    .venv/bin/python infra/post_deploy.py seed      # python -m wod.seed into the stack's tables
    .venv/bin/python infra/post_deploy.py site      # mkdocs build + sync to S3 + invalidation

The stack name and region come from samconfig.toml (written by `sam deploy --guided`); without
it, from WOD_STACK_NAME and AWS_REGION. Uses the deployer's usual AWS credentials.
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMCONFIG = REPO_ROOT / "samconfig.toml"
SITE_BUILD = REPO_ROOT / ".local" / "site-deploy"
# Pages change with every catalog edit; assets are fingerprinted by mkdocs-material or small.
HTML_CACHE = "public, max-age=300"
ASSET_CACHE = "public, max-age=86400"


class DeployError(Exception):
    """Something the organizer has to fix (no samconfig.toml, stack not found, ...)."""


@dataclass(frozen=True)
class Target:
    stack_name: str
    region: str


def target(config_env: str = "default", samconfig: Path = SAMCONFIG) -> Target:
    """The deployed stack: samconfig.toml's deploy parameters, else WOD_STACK_NAME/AWS_REGION."""
    parameters: Mapping[str, Any] = {}
    if samconfig.exists():
        config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
        env = config.get(config_env, {})
        parameters = {
            **env.get("global", {}).get("parameters", {}),
            **env.get("deploy", {}).get("parameters", {}),
        }
    stack = parameters.get("stack_name") or os.environ.get("WOD_STACK_NAME")
    # As for `sam deploy`: samconfig.toml's region wins over the environment's default.
    region = (
        parameters.get("region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    if not stack or not region:
        raise DeployError(
            f"no stack name/region: run `make deploy` once (it writes {SAMCONFIG.name}) "
            "or set WOD_STACK_NAME and AWS_REGION"
        )
    return Target(str(stack), str(region))


def stack_outputs(where: Target, client: Any = None) -> dict[str, str]:
    cfn = client or boto3.client("cloudformation", region_name=where.region)
    try:
        (stack,) = cfn.describe_stacks(StackName=where.stack_name)["Stacks"]
    except ClientError as exc:
        raise DeployError(f"stack {where.stack_name} in {where.region}: {exc}") from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _aws_env(where: Target) -> dict[str, str]:
    return {**os.environ, "AWS_REGION": where.region, "AWS_DEFAULT_REGION": where.region}


# ------------------------------------------------------------------------------------ seed


def seed(where: Target, outputs: Mapping[str, str]) -> None:
    """The public catalog plus WOD_PRIVATE_WORKSHOPS (if set) into the stack's tables."""
    env = {
        **_aws_env(where),
        "WOD_WORKSHOPS_TABLE": outputs["WorkshopsTableName"],
        "WOD_REGISTRATIONS_TABLE": outputs["RegistrationsTableName"],
        "WOD_GUARDS_TABLE": outputs["GuardsTableName"],
    }
    subprocess.run([sys.executable, "-m", "wod.seed"], env=env, cwd=REPO_ROOT, check=True)


# ------------------------------------------------------------------------------------ site


def build_site(outputs: Mapping[str, str], out: Path = SITE_BUILD) -> Path:
    env = {
        **os.environ,
        "WOD_API_URL": outputs["ApiUrl"].rstrip("/") + "/api/",
        "WOD_SITE_URL": outputs["SiteUrl"],
        "NO_MKDOCS_2_WARNING": "1",
    }
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean"]
    command += ["-f", str(REPO_ROOT / "site" / "mkdocs.yml"), "-d", str(out)]
    subprocess.run(command, env=env, cwd=REPO_ROOT, check=True)
    return out


def local_files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def plan_sync(local: Mapping[str, str], remote: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Keys to upload (new or changed MD5) and keys to delete (gone locally).

    `remote` maps keys to ETags, which are the MD5 of single-part uploads under SSE-S3."""
    upload = sorted(k for k, digest in local.items() if remote.get(k, "").strip('"') != digest)
    delete = sorted(set(remote) - set(local))
    return upload, delete


def object_headers(key: str) -> dict[str, str]:
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in {"application/javascript"}:
        content_type += "; charset=utf-8"
    cache = HTML_CACHE if key.endswith(".html") or key.endswith(".xml") else ASSET_CACHE
    return {"ContentType": content_type, "CacheControl": cache}


def publish(site: Path, outputs: Mapping[str, str], where: Target) -> tuple[int, int]:
    """Sync the built site to the bucket (changed files only, stale ones removed) and invalidate
    CloudFront's cache. Returns (uploaded, deleted)."""
    bucket = outputs["SiteBucketName"]
    s3 = boto3.client("s3", region_name=where.region)
    remote: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        remote.update({o["Key"]: o["ETag"] for o in page.get("Contents", [])})
    files = local_files(site)
    upload, delete = plan_sync({key: md5_of(path) for key, path in files.items()}, remote)
    for key in upload:
        s3.upload_file(str(files[key]), bucket, key, ExtraArgs=object_headers(key))
    for start in range(0, len(delete), 1000):
        chunk = [{"Key": key} for key in delete[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
    if upload or delete:
        cloudfront = boto3.client("cloudfront", region_name=where.region)
        cloudfront.create_invalidation(
            DistributionId=outputs["SiteDistributionId"],
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]},
                "CallerReference": f"wod-{time.time_ns()}",
            },
        )
    return len(upload), len(delete)


# ------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["outputs", "seed", "site"])
    parser.add_argument("--config-env", default="default", help="samconfig.toml environment")
    args = parser.parse_args(argv)
    try:
        where = target(args.config_env)
        outputs = stack_outputs(where)
    except DeployError as exc:
        print(f"post_deploy: {exc}", file=sys.stderr)
        return 2
    if args.step == "outputs":
        for key in sorted(outputs):
            print(f"{key}\t{outputs[key]}")
    elif args.step == "seed":
        seed(where, outputs)
    else:
        uploaded, deleted = publish(build_site(outputs), outputs, where)
        print(f"site: {uploaded} files uploaded, {deleted} deleted -> {outputs['SiteUrl']}")
        print(f"API:  {outputs['ApiUrl']}/api/workshops")
    return 0


if __name__ == "__main__":
    sys.exit(main())
