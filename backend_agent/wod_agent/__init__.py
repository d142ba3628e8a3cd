"""The Workshops-on-Demand backend agent: carries out seat orders beside a JupyterHub.

`cli` wires the adapters once; `service` and `loop` hold the logic and see only `ports`.
"""
