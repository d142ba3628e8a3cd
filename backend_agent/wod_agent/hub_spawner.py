"""The system-mode spawner: JupyterHub's `LocalProcessSpawner` that enforces `mem_limit`,
`cpu_limit` and `tasks_limit` with a control group per seat (`cgroups`).

Named in `hub_config.configure_system`. The server joins its group between fork and exec, while
still root, so it and everything it starts are limited from the first instruction on.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer

from .cgroups import CgroupError, LegacyTree, SeatCgroup, SeatLimits, UnifiedTree, detect


@functools.cache
def seat_cgroups() -> UnifiedTree | LegacyTree:
    """This host's control groups, found and made ready once per hub process."""
    try:
        tree = detect()
        tree.setup()
    except OSError as exc:  # an unreadable /proc or cgroup file
        raise CgroupError(str(exc)) from exc
    return tree


def _join(cgroup: SeatCgroup, then: Callable[[], Any]) -> Callable[[], None]:
    """A preexec_fn: join the group, then drop to the student's user. Only os calls: it runs
    between fork and exec, where taking a lock of another thread could hang."""
    procs = [str(path) for path in cgroup.procs_files]

    def preexec() -> None:
        pid = str(os.getpid()).encode()
        for path in procs:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        then()

    return preexec


class SeatSpawner(LocalProcessSpawner):  # type: ignore[misc]  # jupyterhub is untyped
    """A local process per student, limited as a whole (server, kernels, terminals)."""

    tasks_limit = Integer(
        None,
        allow_none=True,
        help="Most processes and threads a seat may have at once (cgroup pids.max).",
    ).tag(config=True)

    _cgroup: SeatCgroup | None = None

    def limits(self) -> SeatLimits:
        return SeatLimits(
            memory_bytes=int(self.mem_limit) if self.mem_limit else None,
            cpus=float(self.cpu_limit) if self.cpu_limit else None,
            tasks=int(self.tasks_limit) if self.tasks_limit else None,
        )

    def make_preexec_fn(self, name: str) -> Callable[[], None]:
        drop_privileges = super().make_preexec_fn(name)
        if self._cgroup is None:
            return drop_privileges  # type: ignore[no-any-return]
        return _join(self._cgroup, drop_privileges)

    async def start(self) -> Any:
        limits = self.limits()
        if limits.any():
            try:
                self._cgroup = seat_cgroups().prepare(self.user.name, limits)
            except CgroupError as exc:
                # Never start a server without the limits it was configured with.
                self.log.error("no limits for %s: %s", self.user.name, exc)
                raise
        return await super().start()

    async def stop(self, now: bool = False) -> None:
        await super().stop(now=now)
        if self._cgroup is not None:
            seat_cgroups().remove(self.user.name)
            self._cgroup = None
