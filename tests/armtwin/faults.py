"""Faults on demand: what the next matching calls should suffer.

A fault is a JSON object:

  {"kind": "throttle",  "count": 3, "retry_after": 2}          429 + Retry-After + x-ms-ratelimit-remaining-*: 0
  {"kind": "error",     "status": 503, "retry_after": 1}       500 InternalServerError / 503 ServiceUnavailable
  {"kind": "conflict"}                                         409 AnotherOperationInProgress
  {"kind": "lro_fail",  "code": "InternalServerError", "message": "..."}  the next long-running operation ends Failed
  {"kind": "drop_poll"}                                        the next poll of an operation URL: connection reset, no answer
  {"kind": "drop"}                                             the next call: connection reset before any answer
  {"kind": "latency",   "ms": 800, "count": 5}                 each matching call answers that much later
  {"kind": "token_error", "status": 500}                       the identity endpoint fails

Optional on every fault: "count" (default 1; "forever": true never runs out) and "match":
{"method": "PUT", "path": "regex searched in the path (case-insensitive)", "operation": "network:Subnets_CreateOrUpdate"}.
Faults are consumed in the order they were added; `latency` combines with any other kind.
"""
import re
import threading

KINDS = ("throttle", "error", "conflict", "lro_fail", "drop_poll", "drop", "latency", "token_error")


class FaultError(ValueError):
    pass


def check(fault):
    if not isinstance(fault, dict):
        raise FaultError("a fault is a JSON object")
    kind = fault.get("kind")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {', '.join(KINDS)}")
    unknown = set(fault) - {"kind", "count", "forever", "match", "status", "retry_after", "code",
                            "message", "ms"}
    if unknown:
        raise FaultError(f"unknown field(s) {', '.join(sorted(unknown))}")
    count = fault.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise FaultError("count must be a positive integer")
    if kind == "error" and fault.get("status", 500) not in (500, 502, 503, 504):
        raise FaultError("error status must be 500, 502, 503 or 504")
    if kind == "latency" and not isinstance(fault.get("ms"), (int, float)):
        raise FaultError("latency needs ms")
    match = fault.get("match", {})
    if not isinstance(match, dict) or set(match) - {"method", "path", "operation"}:
        raise FaultError("match may have method, path, operation")
    if "path" in match:
        try:
            re.compile(match["path"])
        except re.error as e:
            raise FaultError(f"match.path is not a regex: {e}") from None
    out = dict(fault)
    out["count"] = count
    out["used"] = 0
    return out


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self.active = []

    def add(self, fault):
        f = check(fault)
        with self._lock:
            self.active.append(f)
        return f

    def clear(self):
        with self._lock:
            self.active = []

    def list(self):
        with self._lock:
            return [dict(f) for f in self.active]

    @staticmethod
    def _matches(f, method, path, operation):
        m = f.get("match", {})
        if "method" in m and m["method"].upper() != (method or "").upper():
            return False
        if "path" in m and not re.search(m["path"], path or "", re.IGNORECASE):
            return False
        if "operation" in m and m["operation"].lower() != (operation or "").lower():
            return False
        return True

    def take(self, kinds, method=None, path=None, operation=None):
        """Consume and return the first active fault of one of `kinds` matching the call."""
        with self._lock:
            for f in self.active:
                if f["kind"] in kinds and self._matches(f, method, path, operation):
                    f["used"] += 1
                    if not f.get("forever") and f["used"] >= f["count"]:
                        self.active.remove(f)
                    return dict(f)
        return None
