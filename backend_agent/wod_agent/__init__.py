"""The Workshops-on-Demand backend agent: carries out seat orders beside a JupyterHub.

`cli` wires the adapters once; `service` and `loop` hold the logic and see only `ports`.
"""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "workshops-on-demand"


def agent_version() -> str:
    """The installed package's version (`wod-agent --version`, /healthz, the build metric)."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
