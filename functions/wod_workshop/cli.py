"""`wod-workshop new | validate | preview | schema`: the workshop author's command line.

Thin: reads the arguments and the known workshop directories, then calls the modules beside it.
Exit codes: 0 fine, 1 problems found, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from wod.settings import REPO_ROOT
from wod_contracts.catalog import read_root
from wod_contracts.workshop import StudentRange, WorkshopId, json_schema_text

from .ranges import NoFreeRangeError, free_range, taken_on

PUBLIC_WORKSHOPS = REPO_ROOT / "workshops"
SCHEMA_FILE = PUBLIC_WORKSHOPS / "workshop.schema.json"


def known_roots(private: Sequence[Path] | None) -> list[Path]:
    """Every workshop directory this checkout knows: public, demo and private (from --private,
    else WOD_PRIVATE_WORKSHOPS, as the seeding and `make demo` read them)."""
    from wod.seed import DEMO_WORKSHOPS, catalog_roots  # pulls in the AWS adapters: lazily

    spec = os.pathsep.join(str(p) for p in private) if private else None
    return [*catalog_roots(PUBLIC_WORKSHOPS, spec), DEMO_WORKSHOPS]


def _missing_private(private: Sequence[Path] | None) -> bool:
    """A --private directory that does not exist is a typo: say so instead of ignoring it."""
    missing = [p for p in private or () if not p.is_dir()]
    for path in missing:
        print(f"--private {path}: no such directory", file=sys.stderr)
    return bool(missing)


def _title(workshop_id: str) -> str:
    return " ".join(part.capitalize() for part in workshop_id.replace("_", "-").split("-"))


def cmd_new(args: argparse.Namespace) -> int:
    try:
        workshop_id = TypeAdapter(WorkshopId).validate_python(args.id)
    except ValidationError:
        print(
            f"{args.id!r} is not a workshop id: 2-64 letters, digits, '-' or '_', "
            "starting with a letter or digit",
            file=sys.stderr,
        )
        return 2
    if _missing_private(args.private):
        return 2
    parent: Path = args.dir
    roots = known_roots(args.private)
    if parent.resolve() not in {r.resolve() for r in roots}:
        roots.append(parent)  # its neighbours count too, even if not listed anywhere
    workshops = [e.workshop for root in roots if root.is_dir() for e in read_root(root)[0]]
    if any(w.id == workshop_id for w in workshops):
        print(f"a workshop {workshop_id!r} already exists", file=sys.stderr)
        return 1
    try:
        students: StudentRange = free_range(taken_on(workshops, args.backend), args.seats)
    except NoFreeRangeError as exc:
        print(exc, file=sys.stderr)
        return 1
    from . import scaffold  # nbformat is slow to import: only the commands that need it do

    new = scaffold.NewWorkshop(
        workshop_id=workshop_id,
        title=args.title or _title(workshop_id),
        students=students,
        kernel=args.kernel,
        backend=args.backend,
        private=args.visibility == "private",
    )
    try:
        written = scaffold.write_workshop(new, parent, SCHEMA_FILE)
    except FileExistsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"created {written[0].parent} (students {students.first}..{students.last}):")
    for path in written:
        print(f"  {path.name}")
    print(f"next: edit them, then `wod-workshop validate {written[0].parent}`")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import default_kernels, validate

    if _missing_private(args.private):
        return 2
    report = validate(
        args.dirs,
        known_roots(args.private),
        execute=not args.no_execute,
        kernels=default_kernels(args.kernel_cache),
    )
    for problem in report.problems:
        print(problem)
    names = ", ".join(entry.workshop.id for entry in report.checked) or "none"
    ran = "" if args.no_execute else f", {report.notebooks_run} notebooks ran"
    if report.problems:
        print(
            f"{len(report.problems)} problem(s); workshops checked: {names}{ran}", file=sys.stderr
        )
        return 1
    print(f"ok: {names}{ran}", file=sys.stderr)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from . import preview

    if _missing_private(args.private):
        return 2
    ports = preview.Ports.from_env()
    ports = preview.Ports(
        args.port or ports.site, args.aws_port or ports.aws, args.hub_port or ports.hub
    )
    return preview.run_preview(args.id, ports, args.private or (), timeout=args.timeout)


def cmd_schema(args: argparse.Namespace) -> int:
    text = json_schema_text()
    target: Path = args.path
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            print(f"{target} is stale: run `make schema`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wod-workshop",
        description="Workshops-on-Demand authoring: scaffold, validate and preview workshops.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    private = {
        "type": Path,
        "action": "append",
        "metavar": "DIR",
        "help": "a private workshops directory (repeatable; default $WOD_PRIVATE_WORKSHOPS)",
    }

    new = commands.add_parser("new", help="scaffold a workshop with a free student range")
    new.add_argument("id", help="the workshop id, e.g. pandas-101 (also its directory name)")
    new.add_argument("--dir", type=Path, default=Path(), help="where to create it (default .)")
    new.add_argument("--private", **private)  # type: ignore[arg-type]
    new.add_argument("--title", help="default: made from the id")
    new.add_argument("--seats", type=int, default=20, help="student accounts (default 20)")
    new.add_argument("--kernel", choices=["python3", "bash"], default="python3")
    new.add_argument("--backend", default="default", help="the backend that runs it")
    new.add_argument("--visibility", choices=["public", "private"], default="public")
    new.set_defaults(run=cmd_new)

    check = commands.add_parser(
        "validate", help="check workshops (one, or a directory of them) before they ship"
    )
    check.add_argument("dirs", type=Path, nargs="+", metavar="DIR")
    check.add_argument("--private", **private)  # type: ignore[arg-type]
    check.add_argument(
        "--no-execute", action="store_true", help="skip running the notebooks (fast)"
    )
    check.add_argument(
        "--kernel-cache",
        type=Path,
        default=None,
        help="where environments of workshops with requirements are kept "
        "(default ~/.cache/wod-workshop/kernels)",
    )
    check.set_defaults(run=cmd_validate)

    show = commands.add_parser(
        "preview", help="run the local stack with one workshop and print a ready seat's login"
    )
    show.add_argument("id")
    show.add_argument("--private", **private)  # type: ignore[arg-type]
    show.add_argument("--port", type=int, help="site and API (default $WOD_DEMO_PORT or 8080)")
    show.add_argument("--aws-port", type=int, help="default $WOD_DEMO_AWS_PORT or 4566")
    show.add_argument("--hub-port", type=int, help="default $WOD_DEMO_HUB_PORT or 8000")
    show.add_argument("--timeout", type=float, default=600, help="seconds to wait for a ready seat")
    show.set_defaults(run=cmd_preview)

    schema = commands.add_parser("schema", help="write workshops/workshop.schema.json")
    schema.add_argument("path", type=Path, nargs="?", default=SCHEMA_FILE)
    schema.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    schema.set_defaults(run=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code
