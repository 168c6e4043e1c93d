"""The control API under /_twin (no token), as Twin methods: health, journal, faults, config,
roles, principals, facts, world, lab (and lab/sync, the tests' readiness check), state, app-env, stats,
reset, and arm (run ARM calls as the twin itself, the way worlds are built: a scenario's world
overrides). README.md lists them."""
import json

import worlds
from faults import FaultError


class ControlAPI:
    def control(self, h, path, query, raw):
        """Returns (status, body[, headers])."""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError as e:
            return 400, {"error": f"not JSON: {e}"}
        parts = [p for p in path.split("/") if p][1:]
        what = parts[0] if parts else ""
        m = h.command
        if what == "stats":  # requests (not /_twin) served, and the most served at once
            with self.stats_lock:
                if m == "DELETE":
                    self.stats.update(requests=0, max_in_flight=self.stats["in_flight"])
                return 200, dict(self.stats)
        if what == "health":
            return 200, {"ok": True, "world": getattr(self.arm, "world_name", None), "version": self.arm.version}
        if what == "journal":
            if m == "DELETE":
                self.journal.clear()
                return 200, {"cleared": True}
            entries, last = self.journal.since(int(query.get("since", 0)))
            return 200, {"entries": entries, "last": last}
        if what == "faults":
            if m == "DELETE":
                self.faults.clear()
                return 200, {"faults": []}
            if m == "POST":
                items = body if isinstance(body, list) else (body or {}).get("faults", [body])
                try:
                    added = [self.faults.add(f) for f in items]
                except FaultError as e:
                    return 400, {"error": str(e)}
                return 200, {"added": added, "faults": self.faults.list()}
            return 200, {"faults": self.faults.list()}
        if what == "config":
            if m == "POST":
                for k, v in (body or {}).items():
                    if k == "lro_seconds":
                        self.arm.config[k] = float(v)
                    elif k in ("retry_after", "page_size"):
                        self.arm.config[k] = max(1, int(v)) if k == "page_size" else int(v)
                    elif k == "token_lifetime":
                        self.token_lifetime = int(v)
                    else:
                        return 400, {"error": f"unknown setting '{k}' (lro_seconds, retry_after, page_size, token_lifetime)"}
            return 200, dict(self.arm.config, token_lifetime=self.token_lifetime)
        if what == "roles":
            if m == "DELETE":
                who = query.get("principal")
                p = self.principal_by(who) if who else None
                self.roles.clear(p.object_id if p else None)
            elif m in ("POST", "PUT"):
                items = body if isinstance(body, list) else [body]
                if m == "PUT":
                    self.roles.clear()
                for a in items:
                    p = self.principal_by((a or {}).get("principal", ""))
                    if p is None:
                        return 400, {"error": f"unknown principal {a.get('principal')!r} (app, fixer, reader, or an id)"}
                    try:
                        self.roles.assign(p.object_id, a.get("scope", worlds.RG_ID), role=a.get("role"),
                                          actions=a.get("actions"), not_actions=a.get("not_actions"))
                    except ValueError as e:
                        return 400, {"error": str(e)}
            return 200, {"assignments": self.roles.assignments, "principals": self.describe_principals()}
        if what == "principals":
            return 200, self.describe_principals()
        if what == "credentials":
            return self.credentials_control(m, body)
        if what == "facts":
            if m == "POST":
                with self.arm.lock:
                    b = body or {}
                    for tid in b.get("manual_approval", []):
                        self.arm.facts["manual_approval"].add(tid.lower())
                    for tid in b.get("auto_approval", []):
                        self.arm.facts["manual_approval"].discard(tid.lower())
                    for key in b.get("unregistered_providers", []):
                        self.arm.facts["unregistered_providers"].add(key.lower())
                    for key in b.get("registered_providers", []):
                        self.arm.facts["unregistered_providers"].discard(key.lower())
                    for rid in b.get("external", []):
                        self.arm.facts["external"][rid.lower()] = rid
                    for sub in b.get("subscriptions", []):
                        self.arm.facts["subscriptions"][sub.lower()] = sub
                    for addr, d in (b.get("dns_servers") or {}).items():
                        self.arm.facts["dns_servers"][addr] = d
                    if "azure_dns" in b:
                        self.arm.facts["azure_dns"] = b["azure_dns"]
                    for sub in b.get("no_role_subscriptions", []):
                        self.arm.facts["no_role_subscriptions"].add(sub.lower())
                    if b.get("resource_graph") in ("on", "off"):
                        self.arm.facts["resource_graph"] = b["resource_graph"]
                    if isinstance(b.get("resource_graph_quota"), dict):
                        self.arm.facts["resource_graph_quota"] = b["resource_graph_quota"]
                    if isinstance(b.get("site_outbound_routing"), dict):
                        self.arm.facts["site_outbound_routing"] = b["site_outbound_routing"]
                    if b.get("app_process") in ("running", "frozen"):
                        self.arm.facts["app_process"] = b["app_process"]
                    for site, n in (b.get("site_instances") or {}).items():  # count or [ids] (rp_web.py)
                        self.arm.facts.setdefault("site_instances", {})[site.lower()] = n
                    try:  # finished deployments, as the world fact deployment: seeds them (rp_ownership.py)
                        for spec in b.get("deployments", []):
                            self.arm.seed_deployment(spec)
                    except ValueError as e:
                        return 400, {"error": str(e)}
                    self.arm.touch()
                self.after_change()
            with self.arm.lock:
                return 200, {k: (sorted(v) if isinstance(v, set) else v) for k, v in self.arm.facts.items()}
        if what == "world":
            self.after_change()
            return 200, {"world": self.current_world, "lab": self.lab.status() if self.lab else None}
        if what == "lab":
            if m == "POST" and parts[1:2] == ["sync"]:
                self.after_change()
                ok = self.lab.wait(float(query.get("timeout", 20))) if self.lab else True
                st = self.lab.status() if self.lab else {"enabled": False}
                return (200 if ok and not st.get("last_error") else 504 if not ok else 502), st
            return 200, self.lab.status() if self.lab else {"enabled": False}
        if what == "state":
            snap = self.arm.snapshot()
            return 200, {"resources": [{"id": r["id"], "type": r["type"], "body": r["body"],
                                        "effective": r["meta"].get("effective")} for r in snap["resources"].values()],
                         "operations": [{"id": o.id, "method": o.method, "resource": o.rid, "status": o.status,
                                         "polls": o.polls} for o in self.arm.ops.values()]}
        if what == "app-env":
            self.after_change()
            return 200, {"text": self.app_env_text}
        if what == "reset" and m == "POST":
            name = (body or {}).get("world") or getattr(self.arm, "world_name", "empty-network")
            try:
                self.reset(name)
            except KeyError as e:
                return 400, {"error": str(e)}
            ok = self.lab.wait(20) if self.lab else True
            return 200, {"world": name, "lab_synced": ok}
        if what == "arm" and m == "POST":
            # [[method, path-with-api-version, body], ...] run as the twin itself (no auth, operations
            # finish at once), as worlds.py builds worlds; stops at the first error.
            done = 0
            try:
                for call in body if isinstance(body, list) else []:
                    self.arm.call(call[0], call[1], call[2] if len(call) > 2 else None)
                    done += 1
            except (RuntimeError, IndexError, TypeError) as e:
                self.after_change()
                return 400, {"error": str(e), "applied": done}
            self.after_change()
            return 200, {"applied": done}
        return 404, {"error": f"unknown control path {path} (health, journal, faults, config, roles, principals, "
                              "facts, world, lab, lab/sync, state, app-env, reset, arm, credentials)"}

    def describe_principals(self):
        out = {k: dict(p.describe(), client_secret=p.secret) for k, p in self.principals.items()}
        app = self.app_principal()
        if app:
            out["app"] = app.describe()
        return out

    def reset(self, name):
        with self.arm.lock:
            for k in list(self.arm.state):
                del self.arm.state[k]
            self.arm.ops.clear()
            self.arm.op_paths.clear()
            self.arm.facts["manual_approval"] = set()
            self.arm.facts["unregistered_providers"] = set()
            self.arm.facts["dns_servers"] = {}
            self.arm.facts["app_process"] = "running"
            self.arm.facts["no_role_subscriptions"] = set()
            self.arm.facts["resource_graph"] = "on"
            self.arm.facts["resource_graph_quota"] = {}
            self.arm.facts["site_outbound_routing"] = {}
            self.arm.facts.pop("app_dns_servers", None)  # resolver-list-stale's, not the next world's
            worlds.build(self.arm, name)
            self.arm.touch()
        self.roles.clear()
        self.default_roles()
        self.faults.clear()
        self.after_change(force=True)
