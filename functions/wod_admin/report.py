"""The event in pictures: one self-contained HTML page (plots as inline SVG, no script, no
external resource, so it opens offline and can be mailed) and, for a slide, one PNG.

Pure apart from matplotlib: built from the admin API's registrations and status.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
FINAL = {"ended", "failed", "cancelled"}
EARNING = {"expired", "ended_early", "by_organizer"}
OUTCOMES = ("running", "expired", "ended_early", "by_organizer", "stuck", "failed", "cancelled")
OUTCOME_LABELS = {
    "running": "still running",
    "expired": "ran to the end",
    "ended_early": "ended early",
    "by_organizer": "ended by organizer",
    "stuck": "never ready (apology)",
    "failed": "failed",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Session:
    """One registration, as the report reads it."""

    workshop_id: str
    state: str
    created_at: datetime
    ready_at: datetime | None
    finished_at: datetime | None  # the last change of a finished session
    end_reason: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Session:
        def when(key: str) -> datetime | None:
            value = row.get(key)
            return datetime.fromisoformat(value) if value else None

        created = when("created_at")
        assert created is not None
        return cls(
            workshop_id=str(row["workshop_id"]),
            state=str(row["state"]),
            created_at=created,
            ready_at=when("ready_at"),
            finished_at=when("updated_at") if row["state"] in FINAL else None,
            end_reason=row.get("end_reason"),
        )

    @property
    def outcome(self) -> str:
        if self.state in ("failed", "cancelled"):
            return self.state
        if self.state in ("ending", "ended") and self.end_reason:
            return self.end_reason
        return "running"

    @property
    def wait_seconds(self) -> float | None:
        if self.ready_at is None:
            return None
        return (self.ready_at - self.created_at).total_seconds()

    @property
    def earned_badge(self) -> bool:
        return self.state == "ended" and self.end_reason in EARNING


def sessions_of(rows: Iterable[dict[str, Any]]) -> list[Session]:
    return sorted((Session.of(row) for row in rows), key=lambda s: s.created_at)


# -- the plots -----------------------------------------------------------------------------------


def _time_axis(ax: Axes) -> None:
    ax.xaxis_date()
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("time (UTC)")
    ax.grid(alpha=0.3)


def _empty(ax: Axes, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def registrations_series(
    sessions: Sequence[Session], workshop: str, now: datetime
) -> tuple[list[datetime], list[int]]:
    """Cumulative registrations of a workshop: from 0 at its first, on to now."""
    times = [s.created_at for s in sessions if s.workshop_id == workshop]
    if not times:
        return [], []
    counts = list(range(1, len(times) + 1))
    return [times[0], *times, max(now, times[-1])], [0, *counts, counts[-1]]


def plot_registrations(ax: Axes, sessions: Sequence[Session], now: datetime) -> None:
    ax.set_title("Registrations over time")
    if not sessions:
        return _empty(ax, "registrations")
    for workshop in sorted({s.workshop_id for s in sessions}):
        times, counts = registrations_series(sessions, workshop, now)
        ax.step(mdates.date2num(times), counts, where="post", label=workshop)
    ax.set_ylabel("registrations (cumulative)")
    ax.legend(fontsize="small")
    _time_axis(ax)


def seats_in_use(
    sessions: Sequence[Session], workshop: str, now: datetime
) -> tuple[list[datetime], list[int]]:
    """A step series of the seats held: +1 at registration, -1 when the session finished."""
    changes: list[tuple[datetime, int]] = []
    for s in sessions:
        if s.workshop_id != workshop:
            continue
        changes.append((s.created_at, 1))
        if s.finished_at is not None:
            changes.append((s.finished_at, -1))
    changes.sort()
    changes.append((now, 0))  # the line runs on to now
    times, counts, held = [], [], 0
    for when, delta in changes:
        held += delta
        times.append(when)
        counts.append(held)
    return times, counts


def plot_seats(ax: Axes, sessions: Sequence[Session], now: datetime) -> None:
    ax.set_title("Seats in use over time")
    if not sessions:
        return _empty(ax, "seats in use")
    for workshop in sorted({s.workshop_id for s in sessions}):
        times, counts = seats_in_use(sessions, workshop, now)
        ax.step(mdates.date2num(times), counts, where="post", label=workshop)
    ax.set_ylabel("seats held")
    ax.legend(fontsize="small")
    _time_axis(ax)


def plot_waits(ax: Axes, sessions: Sequence[Session]) -> None:
    ax.set_title("Register \u2192 credentials")
    waits = [w for w in (s.wait_seconds for s in sessions) if w is not None]
    if not waits:
        return _empty(ax, "credentials mailed")
    ax.hist(waits, bins=min(30, max(5, len(waits) // 2)), color="#01a982")
    ax.set_xlabel("seconds")
    ax.set_ylabel("sessions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def plot_outcomes(ax: Axes, sessions: Sequence[Session]) -> None:
    ax.set_title("How sessions ended")
    counts = Counter(s.outcome for s in sessions)
    labels = [OUTCOME_LABELS[o] for o in OUTCOMES]
    ax.barh(labels, [counts.get(o, 0) for o in OUTCOMES], color="#425563")
    ax.invert_yaxis()
    ax.set_xlabel("sessions")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_badges(ax: Axes, sessions: Sequence[Session]) -> None:
    ax.set_title("Badges earned")
    badges = Counter(s.workshop_id for s in sessions if s.earned_badge)
    if not badges:
        return _empty(ax, "badges")
    workshops = sorted(badges)
    ax.bar(workshops, [badges[w] for w in workshops], color="#ff8300")
    ax.set_ylabel("badges")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelrotation=20)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    # Inline: no XML declaration or DOCTYPE, and no RDF metadata (links to vocabularies).
    return METADATA.sub("", text[text.index("<svg") :])


def _one(plot: Any, *args: Any) -> str:
    figure, ax = plt.subplots(figsize=(7, 3.6))
    plot(ax, *args)
    return _svg(figure)


# -- the page ------------------------------------------------------------------------------------


def figures(sessions: Sequence[Session]) -> dict[str, str]:
    waits = sorted(w for w in (s.wait_seconds for s in sessions) if w is not None)

    def pct(fraction: float) -> str:
        if not waits:
            return "\u2013"
        return f"{waits[max(0, round(fraction * len(waits)) - 1)]:.0f} s"

    outcomes = Counter(s.outcome for s in sessions)
    return {
        "Registrations": str(len(sessions)),
        "Workshops": str(len({s.workshop_id for s in sessions})),
        "Credentials mailed": str(len(waits)),
        "Wait p50 / p95": f"{pct(0.5)} / {pct(0.95)}",
        "Ended early": str(outcomes["ended_early"]),
        "Expired": str(outcomes["expired"]),
        "Failed or never ready": str(outcomes["failed"] + outcomes["stuck"]),
        "Badges earned": str(sum(s.earned_badge for s in sessions)),
    }


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { margin-bottom: 0; } .when { color: #666; margin-top: .25rem; }
.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: .75rem; margin: 1.5rem 0; }
.figure { border: 1px solid #ddd; border-radius: 6px; padding: .6rem .8rem; }
.figure b { display: block; font-size: 1.4rem; } .figure span { color: #555; font-size: .85rem; }
figure { margin: 1.5rem 0; } figure svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; }
"""


def render_html(
    rows: Iterable[dict[str, Any]],
    status: dict[str, Any] | None,
    now: datetime,
    title: str = "Workshops-on-Demand: the event",
) -> str:
    sessions = sessions_of(rows)
    plots = [
        ("registrations", _one(plot_registrations, sessions, now)),
        ("seats", _one(plot_seats, sessions, now)),
        ("waits", _one(plot_waits, sessions)),
        ("outcomes", _one(plot_outcomes, sessions)),
        ("badges", _one(plot_badges, sessions)),
    ]
    cards = "".join(
        f'<div class="figure"><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>'
        for k, v in figures(sessions).items()
    )
    table = ""
    if status:
        head = "<tr><th>workshop</th><th>free</th><th>deploying</th><th>ready</th>"
        head += "<th>ending</th><th>failed</th><th>closed</th></tr>"
        body = "".join(
            f"<tr><td>{html.escape(w['workshop_id'])}</td><td>{w['free']}</td>"
            f"<td>{w['deploying']}</td><td>{w['ready']}</td><td>{w['ending']}</td>"
            f"<td>{w['failed']}</td><td>{'yes' if w['closed'] else ''}</td></tr>"
            for w in status.get("workshops", [])
        )
        table = f"<h2>Seats now</h2><table>{head}{body}</table>"
    figures_html = "".join(f'<figure id="plot-{name}">{svg}</figure>' for name, svg in plots)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p class='when'>as of {now:%Y-%m-%d %H:%M} UTC</p>"
        f"<div class='figures'>{cards}</div>{figures_html}{table}</body></html>\n"
    )


def render_png(rows: Iterable[dict[str, Any]], now: datetime, path: Path) -> None:
    """The plots on one 16:9 slide."""
    sessions = sessions_of(rows)
    figure, axes = plt.subplots(2, 3, figsize=(16, 9))
    plot_registrations(axes[0][0], sessions, now)
    plot_seats(axes[0][1], sessions, now)
    plot_waits(axes[0][2], sessions)
    plot_outcomes(axes[1][0], sessions)
    plot_badges(axes[1][1], sessions)
    summary = axes[1][2]
    summary.axis("off")
    lines = [f"{k}: {v}" for k, v in figures(sessions).items()]
    summary.text(0, 1, "\n".join(lines), va="top", fontsize=14, transform=summary.transAxes)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=120)
    plt.close(figure)
