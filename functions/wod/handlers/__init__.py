"""Lambda entry points: thin, the same decorator stack each, one domain call each."""
