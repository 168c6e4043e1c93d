"""The official OpenAPI (swagger 2.0) files: operation index and request-body validation.

Loads the swagger files of every api-version the twin serves from ../shared/azure-specs
(override with ARMTWIN_SPECS), resolves $refs across files, and offers:

  Specs.match(method, path)      -> [(Operation, path params)] for every api-version that has it
  Specs.versions_for(path)       -> api-versions whose swagger knows this path (any method)
  validate(specs, op, body)      -> (cleaned body, [errors])

Validation follows the schema the way Azure's own model validator (oav) reads it: `required`,
`type`, `enum` (case-insensitive, as ARM compares), `additionalProperties` (false, a schema, or
-- when a schema lists properties and says nothing -- no undeclared members), `allOf`, `items`,
`$ref` (with sibling keys such as `readOnly` honoured), `minLength`/`maxLength`/`pattern`,
`minimum`/`maximum`, `minItems`/`maxItems`. Property names match case-insensitively (ARM's
resource providers deserialise with case-insensitive JSON readers) and come back in the
schema's casing. readOnly properties are ignored on input: they are dropped from the cleaned
body and never required. A JSON null stands for "absent" (merge-patch semantics for PATCH).
"""
import copy
import json
import os
import re

def _default_specs_root():
    """The shared folder sits beside the repository (in a session and in CI's clone alike)."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    beside = os.path.join(os.path.dirname(repo), "shared", "azure-specs", "specification")
    return beside if os.path.isdir(beside) else "/work/shared/azure-specs/specification"


SPECS_ROOT = os.environ.get("ARMTWIN_SPECS") or _default_specs_root()

# The swagger files whose operations the twin serves come from the providers' registrations
# (providers.spec_files(): {spec: (api-version, [files])}); files they $ref are loaded on demand.
def spec_files():
    import providers  # late: the providers import the core, not this module
    return providers.spec_files()


class Operation:
    def __init__(self, spec, version, method, template, op, file):
        self.spec = spec            # key of spec_files()
        self.version = version      # api-version
        self.method = method        # upper case
        self.template = template    # swagger path template
        self.operation_id = op.get("operationId", "")
        self.long_running = bool(op.get("x-ms-long-running-operation"))
        self.final_state_via = (op.get("x-ms-long-running-operation-options") or {}).get("final-state-via")
        self.responses = sorted(op.get("responses", {}))
        self.op = op
        self.file = file
        self.segments = [s for s in template.split("/") if s]
        self.body_param = None      # (name, schema, required)
        self.path_params = {}       # name -> parameter object

    @property
    def key(self):
        return f"{self.spec}:{self.operation_id}"

    def __repr__(self):
        return f"<{self.key} {self.method} {self.template}>"


class Specs:
    def __init__(self, root=SPECS_ROOT, files=None):
        self.root = root
        self._docs = {}
        self.operations = []
        files = spec_files() if files is None else files
        for spec, (version, paths) in files.items():
            for rel in paths:
                path = os.path.join(root, rel)
                doc = self.doc(path)
                for template, item in doc.get("paths", {}).items():
                    shared = item.get("parameters", [])
                    for method, op in item.items():
                        if method == "parameters":
                            continue
                        o = Operation(spec, version, method.upper(), template, op, path)
                        for p in shared + op.get("parameters", []):
                            pfile, p = self.resolve(path, p)
                            if p.get("in") == "body":
                                o.body_param = (p["name"], (pfile, p.get("schema", {})), bool(p.get("required")))
                            elif p.get("in") == "path":
                                o.path_params[p["name"]] = p
                        self.operations.append(o)
        self.versions = {spec: v for spec, (v, _) in files.items()}

    # -- documents and $ref ------------------------------------------------------------------
    def doc(self, path):
        path = os.path.normpath(path)
        if path not in self._docs:
            with open(path) as f:
                self._docs[path] = json.load(f)
        return self._docs[path]

    def resolve(self, base_file, node):
        """Follow $ref (repeatedly); return (file the result lives in, node). Sibling keys of a
        $ref (readOnly, description, x-ms-*) are kept on top of the target."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            target_file, _, pointer = ref.partition("#")
            if target_file:
                base_file = os.path.normpath(os.path.join(os.path.dirname(base_file), target_file))
            target = self.doc(base_file)
            for part in [p for p in pointer.split("/") if p]:
                target = target[part.replace("~1", "/").replace("~0", "~")]
            if siblings:
                merged = dict(target)
                merged.update(siblings)
                target = merged
            node = target
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref loop at {ref}")
        return base_file, node

    # -- routing -------------------------------------------------------------------------------
    @staticmethod
    def _match_segments(op, segments):
        if len(op.segments) != len(segments):
            return None
        params = {}
        for t, s in zip(op.segments, segments):
            if t.startswith("{") and t.endswith("}"):
                if not s:
                    return None
                params[t[1:-1]] = s
            elif t.lower() != s.lower():
                return None
        return params

    def match(self, method, segments):
        out = []
        for op in self.operations:
            if method is not None and op.method != method:
                continue
            params = self._match_segments(op, segments)
            if params is not None:
                out.append((op, params))
        # Prefer templates with more literal segments (config/web over config/{name}).
        out.sort(key=lambda m: -sum(1 for s in m[0].segments if not s.startswith("{")))
        return out


# -- validation ----------------------------------------------------------------------------------

class _Ctx:
    def __init__(self, specs, patch):
        self.specs = specs
        self.patch = patch
        self.errors = []

    def err(self, path, message):
        self.errors.append((path or "(body)", message))


_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "file": lambda v: True,
}

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$")


def _flatten(ctx, file, schema):
    """Collect properties/required/additionalProperties across allOf; return a merged view."""
    file, schema = ctx.specs.resolve(file, schema)
    props, required, additional, has_props = {}, [], None, False
    types = set()
    for part in schema.get("allOf", []):
        pf, pschema = ctx.specs.resolve(file, part)
        sub = _flatten(ctx, pf, pschema)
        props.update(sub["props"])
        required += sub["required"]
        has_props |= sub["has_props"]
        if sub["additional"] is not None:
            additional = sub["additional"]
        types |= sub["types"]
    for name, p in schema.get("properties", {}).items():
        props[name] = (file, p)
        has_props = True
    required += schema.get("required", [])
    if "additionalProperties" in schema:
        additional = (file, schema["additionalProperties"])
    if "type" in schema:
        types.add(schema["type"])
    return {"props": props, "required": required, "additional": additional,
            "has_props": has_props, "types": types, "schema": schema, "file": file}


def _validate(ctx, file, schema, value, path):
    """Return the cleaned value (readOnly removed); record errors in ctx."""
    view = _flatten(ctx, file, schema)
    schema, file = view["schema"], view["file"]
    if value is None:
        return None
    types = view["types"] or ({"object"} if view["has_props"] or view["additional"] else set())
    if types:
        t = next(iter(types))
        if not _TYPES.get(t, lambda v: True)(value):
            ctx.err(path, f"expected {t}, got {_json_type(value)}")
            return value
    else:
        t = None
    if "enum" in schema and isinstance(value, str):
        allowed = [str(e) for e in schema["enum"]]
        if value.lower() not in [a.lower() for a in allowed]:
            ctx.err(path, f"'{value}' is not one of {', '.join(allowed)}")
    elif "enum" in schema and value not in schema["enum"]:
        ctx.err(path, f"{json.dumps(value)} is not one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            ctx.err(path, f"longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value) < schema["minLength"]:
            ctx.err(path, f"shorter than {schema['minLength']} characters")
        if "pattern" in schema:
            try:
                if not re.search(schema["pattern"], value):
                    ctx.err(path, f"'{value}' does not match pattern {schema['pattern']}")
            except re.error:
                pass
        fmt = schema.get("format")
        if fmt == "uuid" and value and not _UUID.match(value):
            ctx.err(path, f"'{value}' is not a UUID")
        if fmt == "date-time" and value and not _DATETIME.match(value):
            ctx.err(path, f"'{value}' is not a date-time")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            ctx.err(path, f"{value} is less than the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            ctx.err(path, f"{value} is greater than the maximum {schema['maximum']}")
        if schema.get("format") == "int32" and isinstance(value, int) and not -2**31 <= value < 2**31:
            ctx.err(path, f"{value} does not fit int32")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            ctx.err(path, f"fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            ctx.err(path, f"more than {schema['maxItems']} items")
        items = schema.get("items")
        if items is None:
            return list(value)
        out = []
        for i, item in enumerate(value):
            out.append(_validate(ctx, file, items, item, f"{path}[{i}]"))
        return out
    if isinstance(value, dict):
        return _validate_object(ctx, view, value, path)
    return value


# ARM RPC: the envelope's id, name and type (and systemData, etag) are read-only; a body that
# carries them -- e.g. a GET answer sent back with a PUT -- is accepted and they are ignored.
ENVELOPE = ("id", "name", "type", "systemData", "etag")


def _validate_object(ctx, view, value, path):
    props = view["props"]
    lower = {k.lower(): k for k in props}
    out = {}
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        canonical = lower.get(key.lower())
        if canonical is None and not path and key in ENVELOPE:
            continue
        if canonical is not None:
            pfile, pschema = props[canonical]
            _, resolved = ctx.specs.resolve(pfile, pschema)
            if resolved.get("readOnly"):
                continue  # ignored on input
            out[canonical] = _validate(ctx, pfile, pschema, item, where)
            continue
        additional = view["additional"]
        if additional is not None:
            afile, aschema = additional
            if aschema is False:
                ctx.err(where, "is not allowed (additionalProperties: false)")
            elif aschema is True or aschema == {}:
                out[key] = item
            else:
                out[key] = _validate(ctx, afile, aschema, item, where)
        elif view["has_props"]:
            ctx.err(where, f"could not find member '{key}' in the schema")
        else:
            out[key] = item  # a free-form object
    if not ctx.patch:
        present = {k.lower() for k, v in value.items() if v is not None}
        for name in view["required"]:
            if name in props:
                _, resolved = ctx.specs.resolve(*props[name])
                if resolved.get("readOnly"):
                    continue
            if name.lower() not in present:
                ctx.err(f"{path}.{name}" if path else name, "is required")
    return out


def _json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def validate(specs, op, body, patch=None):
    """Validate a request body against the operation's body parameter.

    Returns (cleaned, errors); errors are (json path, message). `patch` defaults to
    method == PATCH: required members are not enforced on a merge patch."""
    if op.body_param is None:
        return body, []
    _, (file, schema), required = op.body_param
    if patch is None:
        patch = op.method == "PATCH"
    ctx = _Ctx(specs, patch)
    if body is None:
        if required:
            ctx.err("", "the request body is required")
        return None, ctx.errors
    cleaned = _validate(ctx, file, schema, copy.deepcopy(body), "")
    return cleaned, ctx.errors


def readonly_paths(specs, op, limit=2000):
    """Every readOnly property path of the body schema (for tests and documentation)."""
    if op.body_param is None:
        return []
    _, (file, schema), _ = op.body_param
    ctx = _Ctx(specs, False)
    out = []

    def walk(f, s, path, depth):
        if depth > 8 or len(out) > limit:
            return
        view = _flatten(ctx, f, s)
        for name, (pf, ps) in view["props"].items():
            pf2, r = specs.resolve(pf, ps)
            p = f"{path}.{name}" if path else name
            if r.get("readOnly"):
                out.append(p)
                continue
            walk(pf2, r, p, depth + 1)

    walk(file, schema, "", 0)
    return out
