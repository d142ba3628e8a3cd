"""Contracts shared by the cloud half and the backend agent.

Depends on pydantic and PyYAML only, so the agent installs it without boto3.
"""
