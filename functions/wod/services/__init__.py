"""Use cases: each one calls the pure domain and the adapters, nothing vendor-specific here."""
