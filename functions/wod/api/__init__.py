"""The public HTTP API: one Powertools resolver, a Router per resource."""
