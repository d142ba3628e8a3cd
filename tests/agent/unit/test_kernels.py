"""The kernel environment cache: keys, one build per key under concurrency, kernelspecs (pure:
the build itself is replaced by a recorder; tests/agent/integration builds for real)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from wod_agent.kernels import (
    KERNELSPECS_DIR,
    READY_MARKER,
    WorkshopKernels,
    kernel_name,
    use_workshop_kernel,
    write_kernelspec,
)

SEATS = 6


class RecordingKernels(WorkshopKernels):
    """Builds by writing the marker. Every seat passes its first `gated` readiness checks
    together (a barrier): the race between seats of one workshop is staged, not hoped for."""

    gated = 1  # the unlocked check; a second barrier inside the lock could never fill

    def __init__(self, root: Path) -> None:
        super().__init__(root, Path("/usr/bin/python3"))
        self.builds: list[Path] = []
        self._gate = threading.Barrier(SEATS, timeout=10)
        self._checks = threading.local()

    def _ready(self, directory: Path) -> bool:
        ready = super()._ready(directory)
        done = getattr(self._checks, "done", 0)
        if done < self.gated:
            self._checks.done = done + 1
            self._gate.wait()  # every seat has seen "not built yet" before any goes on
        return ready

    def _build(self, directory: Path, requirements: Sequence[str]) -> None:
        self.builds.append(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / READY_MARKER).write_text("{}", encoding="utf-8")


class UnlockedKernels(RecordingKernels):
    """Negative control: the same cache without its lock, where both checks can interleave."""

    gated = 2

    @contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        with nullcontext():
            yield


def build_from_every_seat(kernels: WorkshopKernels) -> list[bool]:
    with ThreadPoolExecutor(SEATS) as pool:
        results = list(pool.map(lambda _: kernels.environment("ml-101", ["numpy"]), range(SEATS)))
    return [env.built for env in results]


def test_seats_of_one_workshop_racing_build_its_environment_once(tmp_path: Path) -> None:
    kernels = RecordingKernels(tmp_path)
    built = build_from_every_seat(kernels)
    assert sorted(built) == [False] * (SEATS - 1) + [True]
    assert len(kernels.builds) == 1


def test_negative_control_without_the_lock_every_seat_builds(tmp_path: Path) -> None:
    kernels = UnlockedKernels(tmp_path)
    assert build_from_every_seat(kernels) == [True] * SEATS
    assert len(kernels.builds) == SEATS


def test_the_key_follows_the_workshop_its_requirements_and_the_base_python(tmp_path: Path) -> None:
    a = WorkshopKernels(tmp_path, Path("/usr/bin/python3"))
    b = WorkshopKernels(tmp_path, Path("/opt/other/bin/python3"))
    key = a.key("ml-101", ["numpy>=2"])
    assert key.startswith("ml-101-")
    assert key == a.key("ml-101", [" numpy>=2 "])
    assert len({key, a.key("ml-102", ["numpy>=2"]), a.key("ml-101", ["numpy>=3"])}) == 3
    assert key != b.key("ml-101", ["numpy>=2"])


def test_the_kernelspec_and_the_notebooks_name_the_workshop_kernel(tmp_path: Path) -> None:
    python = Path("/var/lib/wod-agent/kernels/ML-101-abc/bin/python")
    spec_file = write_kernelspec(tmp_path, python, "ML-101", "Machine Learning 101")
    assert spec_file == tmp_path / KERNELSPECS_DIR / "wod-ml-101" / "kernel.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    assert spec["argv"] == [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert spec["display_name"] == "Python 3 (Machine Learning 101)"

    notebook = tmp_path / "1-Lab.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {"kernelspec": {"name": "python3"}}}))
    use_workshop_kernel([notebook], "ML-101", "Machine Learning 101")
    written = json.loads(notebook.read_text(encoding="utf-8"))
    assert written["metadata"]["kernelspec"]["name"] == kernel_name("ML-101") == "wod-ml-101"
    assert written["cells"] == []


@pytest.mark.parametrize("workshop_id", ["python-101", "Data_Viz-2"])
def test_kernel_names_are_valid_jupyter_kernel_names(workshop_id: str) -> None:
    from jupyter_client.kernelspec import _is_valid_kernel_name

    assert _is_valid_kernel_name(kernel_name(workshop_id))
