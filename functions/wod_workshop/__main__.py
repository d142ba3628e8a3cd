"""`python -m wod_workshop` is `wod-workshop`."""

import sys

from .cli import main

sys.exit(main())
