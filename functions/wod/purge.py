"""Erase everything about a participant's address (an organizer's tool, run where the stack's
`WOD_*` settings and AWS credentials are): `python -m wod.purge ADDRESS`.

Each registration of the address loses its personal fields (a running session is ended first,
its data erased once the seat is wiped) and the address leaves the suppression list. Prints
the registration ids, never the address. `Erasure.purge` is the service it calls.
"""

from __future__ import annotations

import argparse
import sys

from wod.services.wiring import get_services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("address", help="the participant's email address")
    args = parser.parse_args(argv)
    purged = get_services().erasure.purge(args.address)
    for registration_id in purged.erased:
        print(f"erased        {registration_id}")
    for registration_id in purged.ending_first:
        print(f"ending first  {registration_id} (erased once its seat is wiped)")
    print(
        f"{len(purged.erased)} erased, {len(purged.ending_first)} erased once their seat is wiped"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
