"""The cloud half of Workshops-on-Demand: registration API, lifecycle and their adapters."""
