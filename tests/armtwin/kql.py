"""The KQL subset the twin's Resource Graph answers (rp_resourcegraph.py), and nothing more:

    resources
    | where <expr>              expr: or / and / ( ) over comparisons
    | project col, col, ...     columns of the row (id, name, type, location, subscriptionId,
                                resourceGroup, tags, properties)
    | order by id [asc|desc]

comparisons: `field =~ 'text'` (case-insensitive equal), `field == 'text'`, `field in~ ('a','b')`,
`field in ('a','b')`; field: a column, `properties.a.b`, or `tostring(properties.a.b)`. Whitespace
and newlines are free. Anything else raises KqlError (the caller answers 400 InvalidQuery), so a
reader that drifts from the agreed query shape finds out here, not in Azure."""
import re

COLUMNS = ("id", "name", "type", "location", "subscriptionId", "resourceGroup", "tags", "properties")
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<op>=~|==|!=|in~|\||\(|\)|,|\.)"
                    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")


class KqlError(ValueError):
    pass


def tokenize(text):
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise KqlError(f"unexpected text at offset {pos}: {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.group("str") is not None:
            out.append(("str", m.group("str")[1:-1].replace("\\'", "'").replace('\\"', '"')))
        elif m.group("op") is not None:
            out.append(("op", m.group("op")))
        else:
            out.append(("word", m.group("word")))
    return out


class _Parser:
    def __init__(self, tokens):
        self.t, self.i = tokens, 0

    def peek(self, n=0):
        return self.t[self.i + n] if self.i + n < len(self.t) else (None, None)

    def take(self, kind=None, value=None):
        k, v = self.peek()
        if k is None or (kind and k != kind) or (value is not None and (v or "").lower() != value.lower()):
            want = value or kind
            raise KqlError(f"expected {want!r} at token {self.i}, got {v!r}")
        self.i += 1
        return v

    def at(self, kind, value=None):
        k, v = self.peek()
        return k == kind and (value is None or (v or "").lower() == value.lower())

    def query(self):
        if self.take("word").lower() != "resources":
            raise KqlError("only the 'resources' table is supported")
        stages = []
        while self.at("op", "|"):
            self.take("op", "|")
            word = self.take("word").lower()
            if word == "where":
                stages.append(("where", self.expr()))
            elif word == "project":
                cols = [self.column_name()]
                while self.at("op", ","):
                    self.take("op", ",")
                    cols.append(self.column_name())
                stages.append(("project", cols))
            elif word == "order" or word == "sort":
                self.take("word", "by")
                col = self.column_name()
                desc = False
                if self.at("word", "asc") or self.at("word", "desc"):
                    desc = self.take("word").lower() == "desc"
                stages.append(("order", (col, desc)))
            else:
                raise KqlError(f"operator '{word}' is not supported by the twin")
        if self.i != len(self.t):
            raise KqlError(f"unexpected {self.peek()[1]!r} at token {self.i}")
        return Query(stages)

    def column_name(self):
        name = self.take("word")
        canon = next((c for c in COLUMNS if c.lower() == name.lower()), None)
        if canon is None:
            raise KqlError(f"unknown column '{name}'")
        return canon

    def expr(self):
        node = self.term()
        while self.at("word", "or"):
            self.take()
            node = ("or", node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.at("word", "and"):
            self.take()
            node = ("and", node, self.factor())
        return node

    def factor(self):
        if self.at("op", "("):
            self.take()
            node = self.expr()
            self.take("op", ")")
            return node
        field = self.field()
        if self.at("op", "=~") or self.at("op", "==") or self.at("op", "!="):
            op = self.take()
            return (op, field, self.take("str"))
        if self.at("op", "in~") or self.at("word", "in"):
            op = "in~" if self.take() == "in~" else "in"
            self.take("op", "(")
            values = [self.take("str")]
            while self.at("op", ","):
                self.take()
                values.append(self.take("str"))
            self.take("op", ")")
            return (op, field, values)
        raise KqlError(f"expected a comparison (=~, ==, !=, in~, in) at token {self.i}, got {self.peek()[1]!r}")

    def field(self):
        if self.at("word", "tostring"):
            self.take()
            self.take("op", "(")
            path = self.path()
            self.take("op", ")")
            return path
        return self.path()

    def path(self):
        parts = [self.take("word")]
        while self.at("op", "."):
            self.take()
            parts.append(self.take("word"))
        canon = next((c for c in COLUMNS if c.lower() == parts[0].lower()), None)
        if canon is None:
            raise KqlError(f"unknown column '{parts[0]}'")
        if len(parts) > 1 and canon != "properties":
            raise KqlError(f"'{canon}' has no members")
        return [canon] + parts[1:]


def _value(row, path):
    v = row.get(path[0])
    for p in path[1:]:
        if not isinstance(v, dict):
            return None
        v = next((val for k, val in v.items() if k.lower() == p.lower()), None)
    if v is None:
        return ""
    return v if isinstance(v, str) else str(v)


def _eval(node, row):
    op = node[0]
    if op == "or":
        return _eval(node[1], row) or _eval(node[2], row)
    if op == "and":
        return _eval(node[1], row) and _eval(node[2], row)
    v = _value(row, node[1])
    if op == "=~":
        return v.lower() == node[2].lower()
    if op == "==":
        return v == node[2]
    if op == "!=":
        return v != node[2]
    if op == "in~":
        return v.lower() in {x.lower() for x in node[2]}
    return v in node[2]


def _types(node):
    """Lower-case types a row must have for node to hold, or None when node does not constrain it."""
    op = node[0]
    if op in ("or", "and"):
        a, b = _types(node[1]), _types(node[2])
        if op == "or":
            return None if a is None or b is None else a | b
        return b if a is None else a if b is None else a & b
    if node[1] == ["type"] and op in ("=~", "in~"):
        return {v.lower() for v in ([node[2]] if op == "=~" else node[2])}
    return None


class Query:
    def __init__(self, stages):
        self.stages = stages

    def types(self):
        """The resource types the first where stage can match (None: any) -- so the twin renders
        only the rows that can match, not every resource of an estate."""
        for kind, arg in self.stages:
            if kind == "where":
                return _types(arg)
            return None
        return None

    def run(self, rows):
        for kind, arg in self.stages:
            if kind == "where":
                rows = [r for r in rows if _eval(arg, r)]
            elif kind == "project":
                rows = [{c: r.get(c) for c in arg} for r in rows]
            else:
                col, desc = arg
                rows = sorted(rows, key=lambda r: str(r.get(col) or "").lower(), reverse=desc)
        return rows


def parse(text):
    if not isinstance(text, str) or not text.strip():
        raise KqlError("empty query")
    return _Parser(tokenize(text)).query()
