"""JupyterHub config, local mode (no root): agent-written hashes, servers under homes_dir.

Settings: WOD_HUB_* variables (see docs/agent.md); the logic is `wod_agent.hub_config`.
"""

from wod_agent.hub_config import configure_local

configure_local(get_config())  # type: ignore[name-defined]  # noqa: F821  # injected by JupyterHub
