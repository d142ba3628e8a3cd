"""Per-workshop kernels for real: pip installs a tiny package from the index into the cached
environment, a kernel starts from the seat's kernelspec, and a seat on a real hub gets it.

`cowsay` (25 kB, pure Python, no dependencies) stands for a workshop's requirements.
"""

# ruff: noqa: TID252
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from wod_agent.kernels import (
    KERNELSPECS_DIR,
    KernelBuildError,
    WorkshopKernels,
    kernel_name,
    write_kernelspec,
)
from wod_contracts.orders import OrderVerb

from ..conftest import AgentSetup, Hub, SqsTestQueue, _singleuser_venv
from ..peers import hub_login, make_order, run_agent_once, write_workshop

REQUIREMENT = "cowsay==6.1"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[WorkshopKernels, Path, float]:
    """One environment, built once for the module: (builder, its directory, build seconds)."""
    kernels = WorkshopKernels(tmp_path_factory.mktemp("kernels"), Path(sys.executable))
    started = time.monotonic()
    env = kernels.environment("cows-101", [REQUIREMENT])
    assert env.built
    return kernels, env.directory, time.monotonic() - started


def test_the_environment_has_the_requirement_and_ipykernel_and_the_agent_does_not(
    built: tuple[WorkshopKernels, Path, float],
) -> None:
    _, directory, seconds = built
    python = directory / "bin" / "python"
    probe = subprocess.run(
        [str(python), "-c", "import cowsay, ipykernel; print(cowsay.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    # The package went into the workshop's environment, not into the agent's own.
    assert probe.stdout.strip().startswith(str(directory))
    assert importlib.util.find_spec("cowsay") is None
    print(f"built in {seconds:.1f} s")


def test_a_second_seat_reuses_the_environment_and_new_requirements_get_another(
    built: tuple[WorkshopKernels, Path, float],
) -> None:
    kernels, directory, _ = built
    started = time.monotonic()
    again = kernels.environment("cows-101", [REQUIREMENT])
    assert (again.directory, again.built) == (directory, False)
    assert time.monotonic() - started < 1.0
    assert kernels.key("cows-101", ["cowsay==6.0"]) != directory.name
    assert kernels.key("cows-102", [REQUIREMENT]) != directory.name


def test_a_kernel_starts_from_the_seats_kernelspec_and_imports_the_requirement(
    built: tuple[WorkshopKernels, Path, float], tmp_path: Path
) -> None:
    # Given the kernelspec a seat's home gets
    _, directory, _ = built
    spec = write_kernelspec(tmp_path, directory / "bin" / "python", "Cows-101", "Cows 101")
    assert spec == tmp_path / KERNELSPECS_DIR / "wod-cows-101" / "kernel.json"

    # When Jupyter starts that kernel, finding it among the home's kernelspecs
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / KERNELSPECS_DIR)])
    manager = KernelManager(kernel_name=kernel_name("Cows-101"), kernel_spec_manager=specs)
    manager.start_kernel()
    client = manager.client()
    outputs: list[str] = []
    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(
            "import cowsay, sys; print(sys.prefix); print(cowsay.get_output_string('cow', 'moo'))",
            timeout=60,
            output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    # Then it runs in the workshop's environment, with the requirement
    assert reply["content"]["status"] == "ok"
    text = "".join(outputs)
    assert text.startswith(str(directory)) and "moo" in text


def test_a_requirement_pip_cannot_satisfy_fails_the_build_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    kernels = WorkshopKernels(tmp_path / "kernels", Path(sys.executable))
    with pytest.raises(KernelBuildError, match=r"cowsay==0\.0\.0\.dev999"):
        kernels.environment("cows-bad", ["cowsay==0.0.0.dev999"])
    assert [p.name for p in (tmp_path / "kernels").iterdir() if not p.name.startswith(".")] == []


def test_a_seat_of_a_workshop_with_requirements_gets_the_workshop_kernel(
    local_hub: Hub,
    make_queue: Callable[..., SqsTestQueue],
    make_agent: Callable[..., AgentSetup],
) -> None:
    # Given a workshop that requires a package, and a CREATE order for one of its seats
    agent = make_agent(local_hub, make_queue())
    directory = write_workshop(agent.workshops_dir, "WOD-REQ", 131, 135)
    meta = yaml.safe_load((directory / "workshop.yml").read_text(encoding="utf-8"))
    meta["requirements"] = [REQUIREMENT]
    (directory / "workshop.yml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    order = make_order(OrderVerb.CREATE, 131, "WOD-REQ")
    agent.queue.send(order)

    # When the agent carries it out
    run_agent_once(agent.config_path)

    # Then the seat is ready and its home has the workshop's kernelspec, into the cached
    # environment, and its notebook is set to that kernel
    [callback] = agent.receiver.accepted(order.order_id)
    assert callback["outcome"] == "succeeded"
    home = local_hub.homes_dir / "student131"
    spec_file = home / KERNELSPECS_DIR / "wod-wod-req" / "kernel.json"
    python = Path(json.loads(spec_file.read_text(encoding="utf-8"))["argv"][0])
    assert python.parent.parent.parent == local_hub.state_dir / "kernels"
    notebook = json.loads((home / "0-ReadMeFirst.ipynb").read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "wod-wod-req"
    # and the student's server offers that kernel
    session, landing = hub_login(local_hub.url, "student131", callback["password"])
    assert landing.status_code == 200
    specs = session.get(f"{local_hub.url}/user/student131/api/kernelspecs", timeout=30).json()
    offered = specs["kernelspecs"]["wod-wod-req"]["spec"]
    assert offered["display_name"] == "Python 3 (Test workshop WOD-REQ)"
    assert offered["argv"][0] == str(python)


# --- system mode: students run the environment ------------------------------------------------


@pytest.fixture
def student() -> Iterator[str]:
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        if os.environ.get("CI"):
            pytest.fail("system mode needs root and useradd (CI runs as root)")
        pytest.skip("system mode needs root and useradd")
    name = f"wodk{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--no-create-home", name], check=True)
    yield name
    subprocess.run(["userdel", "--force", name], check=False, capture_output=True)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory other users can reach (pytest's own temp dirs are 0700)."""
    path = Path(f"/srv/wod-kernels-test-{secrets.token_hex(3)}")
    path.mkdir(mode=0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_system_mode_environments_are_runnable_by_a_student(student: str, open_dir: Path) -> None:
    # Given the single-user server's Python as the base (students can run it), shared mode
    base = _singleuser_venv().parent / "python"
    kernels = WorkshopKernels(open_dir / "kernels", base, shared=True)

    # When the environment is built by root
    env = kernels.environment("cows-sys", [REQUIREMENT])

    # Then a student can run it, with the requirement and ipykernel
    probe = subprocess.run(
        ["runuser", "-u", student, "--", str(env.python), "-c", "import cowsay, ipykernel"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert probe.returncode == 0, probe.stderr


def test_system_mode_refuses_a_base_students_cannot_reach(tmp_path: Path) -> None:
    # Given a base environment under a 0700 directory (as a virtualenv in root's home would be)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(private / "venv")], check=True
    )
    root = tmp_path / "kernels"
    kernels = WorkshopKernels(root, private / "venv" / "bin" / "python", shared=True)

    # Then the build stops before installing anything, naming the closed directory
    with pytest.raises(KernelBuildError, match="students cannot reach"):
        kernels.environment("cows-closed", [REQUIREMENT])
    assert not any(p.is_dir() for p in root.iterdir())
