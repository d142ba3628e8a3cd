#!/bin/bash
# Ends everything a student account left running or scheduled outside its home, so the next
# holder of the same UID finds nothing: logins, crontab, `at` jobs, processes, files in the
# shared temporary directories, System V IPC objects. Run as root by clear-seat.sh (system
# mode); prints one line per kind of thing it removed (clear-seat.sh passes it on).
set -euo pipefail

user=$1
uid=$(id -u -- "$user" 2>/dev/null) || exit 0 # no account yet: nothing to clear
gid=$(id -g -- "$user")

# In this order: nobody can log in any more, nothing scheduled can start a new process, then
# every process ends. (The password is replaced later by the playbook.)
usermod --lock "$user"

if command -v crontab >/dev/null && crontab -l -u "$user" >/dev/null 2>&1; then
    crontab -r -u "$user"
    echo "crontab removed"
fi
if command -v atq >/dev/null; then
    # A job already running (queue "=") is one of the processes ended below.
    jobs=$(atq | awk -v user="$user" '$NF == user && $(NF - 1) != "=" { print $1 }')
    if [ -n "$jobs" ]; then
        # shellcheck disable=SC2086 # one argument per job id
        atrm $jobs
        echo "at jobs removed"
    fi
fi

# Zombies are already dead (their parent has yet to reap them): they hold nothing. awk reads
# all of ps's output (an early exit would fail the pipeline with SIGPIPE under pipefail).
alive() { ps -o stat= -U "$uid" -u "$uid" | awk '$1 !~ /^Z/ { n++ } END { exit n == 0 }'; }

# kill(-1) sent *as the student* reaches every process of that UID in one pass of the kernel's
# process table, so a process forking in a loop cannot slip between a listing and a kill.
if alive; then
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        setpriv --reuid="$uid" --regid="$gid" --clear-groups -- kill -KILL -1 2>/dev/null || true
        sleep 0.1 # the kernel tears them down asynchronously
        alive || break
    done
    if alive; then
        echo "processes of $user survive SIGKILL: $(ps -o pid=,stat=,args= -U "$uid" -u "$uid")" >&2
        exit 1
    fi
    echo "processes killed"
fi

# The student's top-most entries under $1, given to find's action ("$@"). A student can only
# create entries in directories anyone may write to, or in their own (taken whole), so the walk
# enters world-writable directories only: quick even on a busy /tmp. -xdev: never into another
# filesystem. Other users' files come and go meanwhile: find's complaints about those are
# noise, so what counts is the outcome, checked by a second walk.
mine() {
    local dir=$1
    shift
    find "$dir" -xdev -ignore_readdir_race -mindepth 1 \
        \( -type d ! -user "$uid" ! -perm -0002 -prune \) -o \( -user "$uid" -prune "$@" \) \
        2>/dev/null
}
for dir in /tmp /var/tmp /dev/shm /dev/mqueue; do
    [ -d "$dir" ] || continue
    if [ -n "$(mine "$dir" -print -quit)" ]; then
        mine "$dir" -exec rm -rf -- {} + || true
        if [ -n "$(mine "$dir" -print -quit)" ]; then
            echo "files of $user in $dir cannot be removed" >&2
            exit 1
        fi
        echo "files removed from $dir"
    fi
done

for kind in m q s; do
    for id in $(ipcs -"$kind" | awk -v user="$user" -v uid="$uid" '$3 == user || $3 == uid { print $2 }'); do
        ipcrm -"$kind" "$id"
        echo "IPC object $kind $id removed"
    done
done
