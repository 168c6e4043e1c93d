#!/usr/bin/python3
"""A spec-faithful receiver for serve's pushes, on loopback (python stdlib only).

OTLP/HTTP JSON (opentelemetry-proto docs/specification.md, "OTLP/HTTP" and "JSON Protobuf
Encoding"): POST /v1/metrics and /v1/traces with Content-Type application/json. Each body is
validated strictly against the protobuf messages (ExportMetricsServiceRequest,
ExportTraceServiceRequest) under the proto3 JSON mapping as OTLP narrows it: lowerCamelCase field
names only (an unknown or snake_case field is an error), 64-bit integers (timeUnixNano, asInt,
intValue) as decimal strings, enums as integers, traceId/spanId as lower-case hex of 16/8 bytes,
not all zero. service.instance.id must be among the resource attributes. Answers 200 with an
empty ExportPartialSuccess, or 400 with a Status-like {"message": ...}.

Application Insights: POST /v2/track over https with a JSON array (or newline-delimited JSON) of
envelopes; each must be an AvailabilityData envelope as the data contracts define it. Answers
{"itemsReceived": n, "itemsAccepted": m, "errors": [...]} (200 when all were accepted, 206 when
some were, 400 when none).

Every accepted item is appended, one JSON object a line, to the record file:
{"kind": "metrics"|"traces"|"availability", "body": ...}; rejected requests as {"kind": "rejected",
"path": ..., "why": ...}."""
import json
import re
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEX_TRACE = re.compile(r"^[0-9a-f]{32}$")
HEX_SPAN = re.compile(r"^[0-9a-f]{16}$")
UINT = re.compile(r"^[0-9]+$")
INT = re.compile(r"^-?[0-9]+$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ENVELOPE_NAME = re.compile(r"^Microsoft\.ApplicationInsights\.[0-9a-f]{32}\.Availability$")
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")
TIMESPAN = re.compile(r"^(\d+\.)?\d\d:\d\d:\d\d(\.\d{1,7})?$")


class Invalid(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Invalid(why)


def fields(obj, where, allowed, required=()):
    need(isinstance(obj, dict), f"{where} is not an object")
    for k in obj:
        need(k in allowed, f"{where} has unknown field '{k}' (OTLP JSON uses lowerCamelCase names)")
    for k in required:
        need(k in obj, f"{where} lacks '{k}'")


def uint64_text(v, where):
    need(isinstance(v, str) and UINT.match(v), f"{where} must be a decimal string (fixed64), not {v!r}")
    need(int(v) < 2 ** 64, f"{where} overflows uint64")
    return int(v)


def any_value(v, where):
    fields(v, where, {"stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue",
                      "bytesValue"})
    need(len(v) == 1, f"{where} must hold exactly one value")
    if "stringValue" in v:
        need(isinstance(v["stringValue"], str), f"{where}.stringValue is not a string")
    if "boolValue" in v:
        need(isinstance(v["boolValue"], bool), f"{where}.boolValue is not a boolean")
    if "intValue" in v:
        need(isinstance(v["intValue"], str) and INT.match(v["intValue"]), f"{where}.intValue must be a decimal string")
    if "doubleValue" in v:
        need(isinstance(v["doubleValue"], (int, float)) and not isinstance(v["doubleValue"], bool),
             f"{where}.doubleValue is not a number")
    if "arrayValue" in v:
        fields(v["arrayValue"], f"{where}.arrayValue", {"values"})
        for i, item in enumerate(v["arrayValue"].get("values", [])):
            any_value(item, f"{where}.arrayValue.values[{i}]")


def attributes(attrs, where):
    need(isinstance(attrs, list), f"{where} is not a list")
    keys = set()
    for i, kv in enumerate(attrs):
        fields(kv, f"{where}[{i}]", {"key", "value"}, ("key", "value"))
        need(isinstance(kv["key"], str) and kv["key"], f"{where}[{i}].key is empty")
        need(kv["key"] not in keys, f"{where} repeats key '{kv['key']}'")
        keys.add(kv["key"])
        any_value(kv["value"], f"{where}[{i}].value")
    return {kv["key"]: kv["value"] for kv in attrs}


def resource(r, where):
    fields(r, where, {"attributes", "droppedAttributesCount"}, ("attributes",))
    attrs = attributes(r["attributes"], f"{where}.attributes")
    sid = attrs.get("service.instance.id", {}).get("stringValue")
    need(sid, f"{where} has no service.instance.id")
    need(attrs.get("service.name", {}).get("stringValue"), f"{where} has no service.name")
    return attrs


def scope(s, where):
    fields(s, where, {"name", "version", "attributes", "droppedAttributesCount"})


def number_point(p, where, cumulative):
    fields(p, where, {"attributes", "startTimeUnixNano", "timeUnixNano", "asDouble", "asInt", "exemplars", "flags"},
           ("timeUnixNano",))
    attributes(p.get("attributes", []), f"{where}.attributes")
    t = uint64_text(p["timeUnixNano"], f"{where}.timeUnixNano")
    need(t > 0, f"{where}.timeUnixNano is 0")
    if cumulative:
        need("startTimeUnixNano" in p, f"{where}: a cumulative point needs startTimeUnixNano")
    if "startTimeUnixNano" in p:
        need(uint64_text(p["startTimeUnixNano"], f"{where}.startTimeUnixNano") <= t, f"{where} starts after it ends")
    need(("asDouble" in p) != ("asInt" in p), f"{where} must have exactly one of asDouble, asInt")
    if "asInt" in p:
        need(isinstance(p["asInt"], str) and INT.match(p["asInt"]), f"{where}.asInt must be a decimal string")
    else:
        v = p["asDouble"]
        need((isinstance(v, (int, float)) and not isinstance(v, bool)) or v in ("NaN", "Infinity", "-Infinity"),
             f"{where}.asDouble is not a number")


def metrics_request(body):
    fields(body, "request", {"resourceMetrics"}, ("resourceMetrics",))
    need(isinstance(body["resourceMetrics"], list) and body["resourceMetrics"], "resourceMetrics is empty")
    count = 0
    for i, rm in enumerate(body["resourceMetrics"]):
        w = f"resourceMetrics[{i}]"
        fields(rm, w, {"resource", "scopeMetrics", "schemaUrl"}, ("resource", "scopeMetrics"))
        resource(rm["resource"], f"{w}.resource")
        need(isinstance(rm["scopeMetrics"], list) and rm["scopeMetrics"], f"{w}.scopeMetrics is empty")
        for j, sm in enumerate(rm["scopeMetrics"]):
            ws = f"{w}.scopeMetrics[{j}]"
            fields(sm, ws, {"scope", "metrics", "schemaUrl"}, ("metrics",))
            if "scope" in sm:
                scope(sm["scope"], f"{ws}.scope")
            for k, m in enumerate(sm["metrics"]):
                wm = f"{ws}.metrics[{k}]"
                fields(m, wm, {"name", "description", "unit", "gauge", "sum", "histogram", "exponentialHistogram",
                               "summary", "metadata"}, ("name",))
                need(isinstance(m["name"], str) and m["name"], f"{wm}.name is empty")
                data = [d for d in ("gauge", "sum", "histogram", "exponentialHistogram", "summary") if d in m]
                need(len(data) == 1, f"{wm} must have exactly one data field")
                need(data[0] in ("gauge", "sum"), f"{wm}: unexpected {data[0]}")
                d = m[data[0]]
                if data[0] == "gauge":
                    fields(d, f"{wm}.gauge", {"dataPoints"}, ("dataPoints",))
                else:
                    fields(d, f"{wm}.sum", {"dataPoints", "aggregationTemporality", "isMonotonic"},
                           ("dataPoints", "aggregationTemporality"))
                    need(d["aggregationTemporality"] in (1, 2), f"{wm}.sum.aggregationTemporality must be 1 or 2 "
                         "(an integer enum)")
                    need(isinstance(d.get("isMonotonic", False), bool), f"{wm}.sum.isMonotonic is not a boolean")
                need(isinstance(d["dataPoints"], list) and d["dataPoints"], f"{wm} has no data points")
                for n, p in enumerate(d["dataPoints"]):
                    number_point(p, f"{wm}.{data[0]}.dataPoints[{n}]",
                                 data[0] == "sum" and d["aggregationTemporality"] == 2)
                    count += 1
    return count


def hex_id(v, pattern, where):
    need(isinstance(v, str) and pattern.match(v), f"{where} must be lower-case hex of the right length, not {v!r}")
    need(set(v) != {"0"}, f"{where} is all zero")


def traces_request(body):
    fields(body, "request", {"resourceSpans"}, ("resourceSpans",))
    need(isinstance(body["resourceSpans"], list) and body["resourceSpans"], "resourceSpans is empty")
    count = 0
    for i, rs in enumerate(body["resourceSpans"]):
        w = f"resourceSpans[{i}]"
        fields(rs, w, {"resource", "scopeSpans", "schemaUrl"}, ("resource", "scopeSpans"))
        resource(rs["resource"], f"{w}.resource")
        for j, ss in enumerate(rs["scopeSpans"]):
            ws = f"{w}.scopeSpans[{j}]"
            fields(ss, ws, {"scope", "spans", "schemaUrl"}, ("spans",))
            if "scope" in ss:
                scope(ss["scope"], f"{ws}.scope")
            for k, s in enumerate(ss["spans"]):
                wsp = f"{ws}.spans[{k}]"
                fields(s, wsp, {"traceId", "spanId", "traceState", "parentSpanId", "flags", "name", "kind",
                                "startTimeUnixNano", "endTimeUnixNano", "attributes", "droppedAttributesCount",
                                "events", "droppedEventsCount", "links", "droppedLinksCount", "status"},
                       ("traceId", "spanId", "name", "startTimeUnixNano", "endTimeUnixNano"))
                hex_id(s["traceId"], HEX_TRACE, f"{wsp}.traceId")
                hex_id(s["spanId"], HEX_SPAN, f"{wsp}.spanId")
                if s.get("parentSpanId"):
                    hex_id(s["parentSpanId"], HEX_SPAN, f"{wsp}.parentSpanId")
                need(isinstance(s["name"], str) and s["name"], f"{wsp}.name is empty")
                need(s.get("kind", 0) in range(6), f"{wsp}.kind must be an integer enum 0..5")
                start = uint64_text(s["startTimeUnixNano"], f"{wsp}.startTimeUnixNano")
                end = uint64_text(s["endTimeUnixNano"], f"{wsp}.endTimeUnixNano")
                need(0 < start <= end, f"{wsp} ends before it starts")
                attributes(s.get("attributes", []), f"{wsp}.attributes")
                if "status" in s:
                    fields(s["status"], f"{wsp}.status", {"code", "message"})
                    need(s["status"].get("code", 0) in (0, 1, 2), f"{wsp}.status.code must be 0, 1 or 2")
                count += 1
    return count


def envelope(e, ikey):
    fields(e, "envelope", {"name", "time", "iKey", "tags", "data", "sampleRate", "seq", "ver"},
           ("name", "time", "iKey", "data"))
    need(isinstance(e["name"], str) and ENVELOPE_NAME.match(e["name"]), f"envelope name {e['name']!r}")
    need(isinstance(e["iKey"], str) and GUID.match(e["iKey"]), "iKey is not a GUID")
    need(e["iKey"] == ikey, "iKey is not this resource's key")
    need(e["name"].split(".")[2] == ikey.replace("-", "").lower(), "envelope name does not carry the key")
    need(isinstance(e["time"], str) and ISO_TIME.match(e["time"]), f"time {e['time']!r} is not ISO 8601 UTC")
    tags = e.get("tags", {})
    need(isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values()), "tags are not strings")
    fields(e["data"], "data", {"baseType", "baseData"}, ("baseType", "baseData"))
    need(e["data"]["baseType"] == "AvailabilityData", "baseType is not AvailabilityData")
    b = e["data"]["baseData"]
    fields(b, "baseData", {"ver", "id", "name", "duration", "success", "runLocation", "message", "properties",
                           "measurements"}, ("ver", "id", "name", "duration", "success"))
    need(b["ver"] == 2, "baseData.ver is not 2")
    need(isinstance(b["id"], str) and b["id"], "baseData.id is empty")
    need(isinstance(b["name"], str) and b["name"] and len(b["name"]) <= 1024, "baseData.name")
    need(isinstance(b["duration"], str) and TIMESPAN.match(b["duration"]), f"duration {b['duration']!r}")
    need(isinstance(b["success"], bool), "success is not a boolean")
    for f in ("runLocation", "message"):
        need(isinstance(b.get(f, ""), str), f"{f} is not a string")
    need("\n" not in b.get("message", ""), "message is not one line")
    props = b.get("properties", {})
    need(isinstance(props, dict) and all(isinstance(v, str) for v in props.values()), "properties are not strings")


class Receiver:
    """OTLP on http://127.0.0.1:otlp_port; App Insights on https://127.0.0.1:track_port (cert/key)."""

    def __init__(self, record, ikey, cert=None, key=None):
        self.record = record
        self.ikey = ikey
        self.lock = threading.Lock()
        self.otlp = self._server(None)
        self.track = self._server((cert, key)) if cert else None

    def write(self, item):
        with self.lock, open(self.record, "a") as f:
            f.write(json.dumps(item) + "\n")

    def _server(self, tls):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if 0 < length <= 8 * 1024 * 1024 else b""
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if tls is None:
                    self.otlp(raw, ctype)
                else:
                    self.track(raw, ctype)

            def otlp(self, raw, ctype):
                kinds = {"/v1/metrics": ("metrics", metrics_request), "/v1/traces": ("traces", traces_request)}
                if self.path not in kinds:
                    return self.answer(404, {"message": "unknown path"})
                if ctype != "application/json":
                    receiver.write({"kind": "rejected", "path": self.path, "why": f"content type {ctype!r}"})
                    return self.answer(415, {"message": "application/json only"})
                kind, validate = kinds[self.path]
                try:
                    body = json.loads(raw)
                    validate(body)
                except (ValueError, Invalid) as e:
                    receiver.write({"kind": "rejected", "path": self.path, "why": str(e)})
                    return self.answer(400, {"code": 3, "message": str(e)})
                receiver.write({"kind": kind, "body": body})
                self.answer(200, {"partialSuccess": {}})

            def track(self, raw, ctype):
                if self.path != "/v2/track":
                    return self.answer(404, {"message": "unknown path"})
                try:
                    text = raw.decode()
                    items = json.loads(text) if text.lstrip().startswith("[") else \
                        [json.loads(line) for line in text.splitlines() if line.strip()]
                except ValueError as e:
                    receiver.write({"kind": "rejected", "path": self.path, "why": str(e)})
                    return self.answer(400, {"itemsReceived": 0, "itemsAccepted": 0,
                                             "errors": [{"index": 0, "statusCode": 400, "message": "not JSON"}]})
                errors = []
                for i, e in enumerate(items):
                    try:
                        envelope(e, receiver.ikey)
                        receiver.write({"kind": "availability", "body": e})
                    except Invalid as why:
                        errors.append({"index": i, "statusCode": 400, "message": str(why)})
                        receiver.write({"kind": "rejected", "path": self.path, "why": str(why)})
                accepted = len(items) - len(errors)
                status = 200 if not errors else (206 if accepted else 400)
                self.answer(status, {"itemsReceived": len(items), "itemsAccepted": accepted, "errors": errors})

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    @property
    def otlp_url(self):
        return f"http://127.0.0.1:{self.otlp.server_address[1]}"

    @property
    def track_endpoint(self):
        return f"https://127.0.0.1:{self.track.server_address[1]}/"

    def items(self):
        try:
            with open(self.record) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def close(self):
        for s in (self.otlp, self.track):
            if s:
                s.shutdown()
                s.server_close()
