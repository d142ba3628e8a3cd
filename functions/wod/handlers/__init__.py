"""Lambda entry points: thin, the same decorator stack each, one domain call each."""

import warnings

# Reads and rejected requests publish no metric; that is expected, not worth a warning each.
warnings.filterwarnings("ignore", message="No application metrics to publish")
