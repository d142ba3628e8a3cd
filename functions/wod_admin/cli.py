"""`wod-admin`: watch the event live, act on it, and see it in pictures afterwards.

Thin: parses the command line, calls the admin API (`client`), shows the answer with rich.
Exit codes: 0 done, 1 the API refused or failed (the message says why), 2 wrong usage.
"""

from __future__ import annotations

import csv
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .client import AdminClient, AdminError, is_local

HELP = """The organizer's console of Workshops-on-Demand.

With no --url it talks to `make demo` on this machine (http://127.0.0.1:8080, signed with the
local stack's test credentials). For a deployed stack pass its ApiUrl output (or set
WOD_ADMIN_URL): requests are SigV4-signed with your AWS credentials (AWS_PROFILE or --profile),
which need the stack's OrganizerPolicy."""

STATES = ("pending", "deploying", "ready", "ending", "ended", "failed", "cancelled")
CSV_FIELDS = (
    "registration_id", "workshop_id", "state", "email", "first_name", "last_name", "company",
    "student", "created_at", "ready_at", "ends_at", "updated_at", "end_reason", "warm_seat",
    "self_extended", "error",
)  # fmt: skip

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode=None)
out = Console()
err = Console(stderr=True)


class State:
    """Options common to every command (set by the callback)."""

    client: AdminClient | None = None


def client() -> AdminClient:
    assert State.client is not None
    return State.client


@app.callback()
def common(
    url: Annotated[
        str | None,
        typer.Option(help="The API's base URL (the stack's ApiUrl); default: make demo's."),
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="AWS profile to sign with (default: the usual chain).")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Region to sign for (default: the API's own).")
    ] = None,
) -> None:
    try:
        State.client = AdminClient.connect(url or os.environ.get("WOD_ADMIN_URL"), profile, region)
    except AdminError as exc:
        fail(exc)


def fail(exc: AdminError) -> None:
    err.print(f"[red]error:[/red] {exc}", highlight=False)
    raise typer.Exit(1)


def call(what: str, action: Any, *args: Any) -> Any:
    """Run one API call with a spinner; an API error ends the command with its message."""
    try:
        with err.status(what):
            return action(*args)
    except AdminError as exc:
        fail(exc)


def _seconds(value: float | None) -> str:
    if value is None:
        return "\u2013"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def status_view(status: dict[str, Any]) -> Group:
    table = Table(title=f"Workshops at {status['now'][:19].replace('T', ' ')} UTC")
    for column in ("workshop", "free", "warm", "deploying", "ready", "ending", "failed"):
        table.add_column(column, justify="left" if column == "workshop" else "right")
    table.add_column("queued (oldest)", justify="right")
    table.add_column("login p50/p95", justify="right")
    for w in status["workshops"]:
        name = Text(w["workshop_id"])
        if w["closed"]:
            why = "removed" if w["closed_reason"] == "removed" else "closed"
            name.append(f" ({why})", style="yellow")
        queued = f"{w['orders_queued']} ({_seconds(w['oldest_order_seconds'])})"
        waits = (
            f"{_seconds(w['credentials_p50_seconds'])} / {_seconds(w['credentials_p95_seconds'])}"
        )
        failed = Text(str(w["failed"]), style="red" if w["failed"] else "")
        table.add_row(
            name, str(w["free"]), str(w["warm"]), str(w["deploying"]), str(w["ready"]),
            str(w["ending"]), failed, queued, waits,
        )  # fmt: skip
    oldest = status["oldest_order_seconds"]
    summary = Text(f"orders queued: {status['orders_queued']}, oldest {_seconds(oldest)}")
    if oldest is not None and oldest > 300:
        summary.append("  the agent may be down or behind (docs/organizers.md)", style="red")
    return Group(table, summary)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="The raw answer, for scripts.")] = False,
) -> None:
    """Seats per workshop (free, warm, deploying, ready, ending, failed), orders queued and the
    age of the oldest, time to credentials (p50/p95 of the last hour)."""
    answer = call("reading the status…", client().status)
    if as_json:
        out.print_json(data=answer)
    else:
        out.print(status_view(answer))


@app.command()
def watch(
    every: Annotated[float, typer.Option(min=1, help="Seconds between refreshes.")] = 5,
    count: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many refreshes (default: Ctrl-C).")
    ] = None,
) -> None:
    """`status`, refreshed live until Ctrl-C."""
    done = 0
    try:
        with Live(Text("reading the status…"), console=out, auto_refresh=False) as live:
            while count is None or done < count:
                try:
                    live.update(status_view(client().status()), refresh=True)
                except AdminError as exc:  # a blip (the demo restarting): shown, and retried
                    live.update(Text(f"error: {exc} (retrying)", style="red"), refresh=True)
                done += 1
                if count is None or done < count:
                    time.sleep(every)
    except KeyboardInterrupt:
        pass


@app.command()
def registrations(
    workshop: Annotated[str | None, typer.Option(help="Only this workshop.")] = None,
    state: Annotated[
        str | None, typer.Option(help=f"Only in this state: {', '.join(STATES)}.")
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write them to this CSV file (UTF-8).")
    ] = None,
) -> None:
    """List registrations, oldest first; --csv exports them."""
    if state is not None and state not in STATES:
        err.print(f"[red]error:[/red] --state must be one of {', '.join(STATES)}")
        raise typer.Exit(2)
    rows = call("reading registrations…", client().registrations, workshop, state)
    if csv_file is not None:
        with csv_file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        err.print(f"wrote {len(rows)} registrations to {csv_file}")
        return
    table = Table(title=f"{len(rows)} registrations")
    for column in ("id", "workshop", "state", "email", "name", "registered", "ends"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["registration_id"], r["workshop_id"], r["state"], r["email"],
            f"{r['first_name']} {r['last_name']}", r["created_at"][:16].replace("T", " "),
            r["ends_at"][:16].replace("T", " "),
        )  # fmt: skip
    out.print(table)


@app.command("open")
def open_workshop(workshop: Annotated[str, typer.Argument(help="The workshop's id.")]) -> None:
    """Open a closed workshop: registrations are taken again at once."""
    answer = call(f"opening {workshop}…", client().open, workshop)
    out.print(f"{answer['workshop_id']} is open ({answer['seats_available']} seats free)")


@app.command()
def close(workshop: Annotated[str, typer.Argument(help="The workshop's id.")]) -> None:
    """Close a workshop at once: the catalog shows it closed, registrations get a 409; the
    sessions running go on to their end."""
    answer = call(f"closing {workshop}…", client().close, workshop)
    out.print(f"{answer['workshop_id']} is closed")


@app.command()
def sync(
    workshops: Annotated[
        Path | None, typer.Option(help="The public workshops directory (default: workshops/).")
    ] = None,
    private: Annotated[
        list[Path] | None,
        typer.Option(help="A private workshops directory (repeat; default WOD_PRIVATE_WORKSHOPS)."),
    ] = None,
    demo: Annotated[
        bool | None,
        typer.Option(help="Include the demo-only workshops (default: for a local URL only)."),
    ] = None,
) -> None:
    """Make the deployed catalog match the workshop directories: each workshop is written
    (seats in use kept); one no longer there is closed, never deleted (its sessions run to
    their end); one that came back is opened again."""
    from wod.seed import DEMO_WORKSHOPS, catalog_roots
    from wod_contracts.catalog import CatalogError, load_catalog

    spec = os.pathsep.join(str(p) for p in private) if private else None
    roots = catalog_roots(workshops, spec)
    if demo if demo is not None else is_local(client().base_url):
        roots.append(DEMO_WORKSHOPS)
    try:
        catalog = load_catalog(roots)
    except CatalogError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    badges = catalog.badges()
    for workshop in catalog.workshops:
        call(
            f"writing {workshop.id}…",
            client().define,
            workshop.model_dump(mode="json"),
            badges.get(workshop.id),
        )
    report = call(
        "closing what left the catalog…", client().sync, [w.id for w in catalog.workshops]
    )
    out.print(f"wrote {len(report['written'])} workshops from {', '.join(map(str, roots))}")
    for key, verb in (("closed", "closed (left the catalog)"), ("reopened", "opened again")):
        if report[key]:
            out.print(f"{verb}: {', '.join(report[key])}")


RegistrationArg = Annotated[str, typer.Argument(help="The registration's id (32 hex digits).")]


@app.command()
def end(registration: RegistrationArg) -> None:
    """End a session now: its seat is wiped and freed, the participant gets the thanks mail."""
    answer = call("ending…", client().end, registration)
    out.print(f"{answer['registration_id']} is {answer['state']}")


@app.command()
def extend(
    registration: RegistrationArg,
    minutes: Annotated[int, typer.Option(min=1, max=24 * 60, help="Minutes to add.")],
) -> None:
    """Move a session's end (its reminder and expiry move too); the participant is mailed the
    new end."""
    answer = call("extending…", client().extend, registration, minutes)
    out.print(
        f"{answer['registration_id']} now ends at {answer['ends_at'][:16].replace('T', ' ')} UTC"
    )


@app.command()
def reissue(registration: RegistrationArg) -> None:
    """A fresh password for a ready session, set on the seat as it is (its files and server
    stay); the credentials are mailed again once the backend has set it."""
    answer = call("reissuing…", client().reissue, registration)
    out.print(f"{answer['registration_id']}: a new password is on its way by mail")


@app.command()
def report(
    html_file: Annotated[Path, typer.Option("--html", help="The HTML page to write.")],
    png_file: Annotated[
        Path | None, typer.Option("--png", help="Also the plots as one PNG (a slide).")
    ] = None,
    title: Annotated[
        str, typer.Option(help="The page's title.")
    ] = "Workshops-on-Demand: the event",
) -> None:
    """The event in pictures, one self-contained offline HTML page: registrations over time,
    seats in use per workshop, the wait for credentials, how sessions ended, badges earned."""
    from . import report as pictures

    rows = call("reading registrations…", client().registrations)
    status_now = call("reading the status…", client().status)
    now = datetime.now(UTC)
    with err.status("drawing…"):
        html_file.write_text(pictures.render_html(rows, status_now, now, title), encoding="utf-8")
        if png_file is not None:
            pictures.render_png(rows, now, png_file)
    err.print(f"wrote {html_file}" + (f" and {png_file}" if png_file else ""))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
