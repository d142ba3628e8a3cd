"""JupyterHub config, system mode (production default): Linux users studentN, PAM, run as root.

Settings: WOD_HUB_* variables (see docs/agent.md); the logic is `wod_agent.hub_config`.
"""

from wod_agent.hub_config import configure_system

configure_system(get_config())  # type: ignore[name-defined]  # noqa: F821  # injected by JupyterHub
