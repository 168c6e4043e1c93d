"""The lab's shared lock (/tmp/vnetdiag-lab.lock by convention): taken with flock(2), unless a
process above this one already holds it (e.g. `flock -o LOCK run-all`), where taking it again
would wait forever."""
import contextlib
import fcntl
import os
import sys
import time

DEFAULT = "/tmp/vnetdiag-lab.lock"
WAITED = [0.0]  # seconds spent waiting for other users of the lab, over this process


def ancestors():
    """This process and every parent up to init."""
    pid, seen = os.getpid(), set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return seen


def held_by_ancestor(path):
    """True when this process or one above it holds a flock on path (/proc/locks)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    mine = ancestors()
    with open("/proc/locks") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 6 or fields[1] == "->":  # "->": a waiter, not a holder
                continue
            try:
                pid = int(fields[4])
                major, minor, inode = fields[5].split(":")
                same = (int(inode) == st.st_ino and int(major, 16) == os.major(st.st_dev)
                        and int(minor, 16) == os.minor(st.st_dev))
            except ValueError:
                continue
            if same and pid in mine:
                return True
    return False


@contextlib.contextmanager
def held(path, what):
    """Holds the lock on path for the block (path '' or None: no lock); says when it waits."""
    fd = None
    if path and not held_by_ancestor(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for the lab lock {path} ({what})", file=sys.stderr, flush=True)
            start = time.perf_counter()
            fcntl.flock(fd, fcntl.LOCK_EX)
            WAITED[0] += time.perf_counter() - start
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)
