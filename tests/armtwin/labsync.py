"""The request journal, and the hand-over of each new world to the lab (`lab apply FILE`) from
one thread, newest wins. Tokens are never journaled: the journal keeps method, path, api-version,
the request body (form secrets and assertions redacted), status and error code, and who called."""
import copy
import json
import os
import subprocess
import threading
import time

import world_from_state


class Journal:
    def __init__(self, limit=20000):
        self.lock = threading.Lock()
        self.entries = []
        self.seq = 0
        self.limit = limit

    def add(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.entries.append(entry)
            if len(self.entries) > self.limit:
                del self.entries[: len(self.entries) - self.limit]

    def since(self, n):
        with self.lock:
            return [copy.deepcopy(e) for e in self.entries if e["seq"] > n], self.seq

    def clear(self):
        with self.lock:
            self.entries = []


class LabSync:
    """Hands each new world to the lab (`lab apply FILE`) from one thread, newest wins."""

    def __init__(self, lab_cmd, run_dir, features, log):
        self.lab_cmd = lab_cmd
        self.run_dir = run_dir
        self.features = features
        self.log = log
        self.cond = threading.Condition()
        self.wanted = 0
        self.applied = 0
        self.pending = None
        self.last_text = None
        self.last_error = None
        self.last_ms = None
        self.notes = []
        self.lab_generation = None
        self.applies = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="labsync", daemon=True)
        self.thread.start()

    def offer(self, world):
        folded, notes = world_from_state.for_lab(world, self.features)
        text = json.dumps(folded, indent=1, sort_keys=True) + "\n"
        with self.cond:
            if text == self.last_text:
                return self.wanted
            self.last_text = text
            self.wanted += 1
            self.pending = (self.wanted, text, notes)
            self.cond.notify_all()
            return self.wanted

    def _run(self):
        while True:
            with self.cond:
                while self.pending is None and not self.stopping:
                    self.cond.wait()
                if self.stopping:
                    return
                seq, text, notes = self.pending
                self.pending = None
            path = os.path.join(self.run_dir, "world.json")
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)
            error, t0 = None, time.monotonic()
            if self.lab_cmd:
                try:
                    out = subprocess.run([self.lab_cmd, "apply", path], capture_output=True, text=True, timeout=60)
                    if out.returncode != 0:
                        error = (out.stderr.strip() or out.stdout.strip() or f"exit {out.returncode}")[-2000:]
                except (OSError, subprocess.TimeoutExpired) as e:
                    error = str(e)
            ms = int((time.monotonic() - t0) * 1000)
            generation = None
            if self.lab_cmd:
                try:
                    with open(os.path.join(os.path.dirname(self.lab_cmd), "run", "state", "generation")) as f:
                        generation = f.read().strip()
                except OSError:
                    pass
            self.log(f"lab apply #{seq}: {'ok' if error is None else 'FAILED: ' + error} ({ms} ms)"
                     + (f"; notes: {'; '.join(notes)}" if notes else ""))
            with self.cond:
                self.applied = seq
                self.applies += 1
                self.last_error = error
                self.last_ms = ms
                self.lab_generation = generation
                self.notes = notes
                self.cond.notify_all()

    def wait(self, timeout):
        """Until the lab has the world that was current when called; True if it got there."""
        deadline = time.monotonic() + timeout
        with self.cond:
            target = self.wanted
            while self.applied < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def status(self):
        with self.cond:
            return {"enabled": bool(self.lab_cmd), "features": self.features, "wanted": self.wanted,
                    "applied": self.applied, "applies": self.applies, "last_error": self.last_error,
                    "last_apply_ms": self.last_ms, "notes": list(self.notes),
                    "lab_generation": self.lab_generation,
                    "world_file": os.path.join(self.run_dir, "world.json")}

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
