#!/bin/bash
# Gives a seat a fresh home: the old one wiped, an empty 0700 directory, the staged workshop
# files (if a staging directory is given) copied in, everything owned by the student (system
# mode) and private (u=rwX,g=,o=): what four file/copy tasks did, in one (each task costs ~0.3 s
# of CPU). Run as root by tasks/clear_seat.yml (system mode: through clear-seat.sh, once the
# account is locked and its processes are gone, so nothing of the student's can change the tree
# while it is rebuilt).
set -euo pipefail

home=$1
staging=${2:-}
owner=${3:-}

rm -rf -- "$home" # never follows a symbolic link
mkdir -p -- "$(dirname -- "$home")"
mkdir -m 0700 -- "$home"
if [ -n "$staging" ]; then
    # The staging directory holds regular files and directories only (see notebooks.py).
    cp -R -- "$staging/." "$home/" # modes as staged (then made private below)
fi
chmod -R u=rwX,g=,o= -- "$home"
if [ -n "$owner" ]; then
    chown -R -h -- "$owner:$owner" "$home"
fi
