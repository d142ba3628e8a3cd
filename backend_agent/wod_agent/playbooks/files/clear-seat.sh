#!/bin/bash
# A seat cleared in system mode, in one Ansible task instead of four (each costs ~0.3 s of CPU):
# what the previous holder left outside the home ends (clear-student.sh, which also locks the
# account), the account exists in the students' group with no working password, and the home is
# rebuilt from the staging directory (new-home.sh). Run as root by tasks/clear_seat.yml; prints
# what it removed, as clear-student.sh does.
set -euo pipefail

user=$1
home=$2
group=$3
staging=${4:-}
here=$(dirname -- "${BASH_SOURCE[0]}")

# First, before the account is touched (usermod refuses to change an account in use).
bash "$here/clear-student.sh" "$user"

getent group "$group" >/dev/null || groupadd "$group"
# "!": no password matches until the agent sets one (after the playbook, for a CREATE).
if id -u -- "$user" >/dev/null 2>&1; then
    usermod --home "$home" --shell /bin/bash --append --groups "$group" --password '!' "$user"
else
    # A group of the user's name left by an earlier account of the seat: useradd would refuse to
    # create it again (Ansible's user module works around this the same way).
    own=(--user-group)
    if getent group "$user" >/dev/null; then own=(--gid "$user"); fi
    useradd --home-dir "$home" --no-create-home --shell /bin/bash "${own[@]}" \
        --groups "$group" --password '!' "$user"
fi

bash "$here/new-home.sh" "$home" "$staging" "$user"
