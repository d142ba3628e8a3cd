"""Contracts shared by the cloud half and the backend agent.

Depends on pydantic and PyYAML (and `packaging`, imported only to check a workshop's
requirements), so the agent installs it without boto3.
"""
