"""A Kudu (SCM site) stand-in on the twin's HTTPS listener: GET ARM_ENDPOINT/_scm/{site}/api/vfs/{path}
reads {run_dir}/scm/{site}/{path} -- the site's /home, shared by all its instances (Kudu's VFS API
is rooted at /home on Linux). What `vnetdiag check --all-instances` reads each instance's report
from (--scm-endpoint ARM_ENDPOINT/_scm/{site}).

Like the real SCM site it takes an Entra bearer token for ARM (the twin's own tokens, the same
validation as ARM: 401 without one or with a bad one) and answers 403 unless the caller holds
Microsoft.Web/sites/publish/Action on the site (the twin's role model: Contributor does, Reader
does not). A missing site or file is 404 {"Message"}; a directory is Kudu's listing
([{name, size, mtime, mime, href, path}]); a file is its bytes as they are (so tests can place
files that are not JSON). Only GET and HEAD; paths that leave the site's directory are 404.
"""
import json
import mimetypes
import os
import re
import time

import identity

PUBLISH = "Microsoft.Web/sites/publish/Action"


def scm_root(run_dir, site):
    return os.path.join(run_dir, "scm", site.lower())


class ScmSite:
    def scm(self, h, path, entry):
        """Answers one /_scm/... request itself (journaled as kind "scm"); returns None."""
        entry["kind"] = "scm"
        status, body, ctype, principal = self._scm(h, path)
        entry["status"] = status
        if principal:
            entry["principal"] = principal
        self.journal.add(entry)
        data = body if isinstance(body, bytes) else (json.dumps(body) + "\n").encode()
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        if status == 401:
            h.send_header("WWW-Authenticate", 'Bearer realm="scm"')
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)
        return None

    def _scm(self, h, path):
        js = "application/json; charset=utf-8"
        m = re.fullmatch(r"/_scm/([^/]+)/api/vfs(/.*)?", path)
        if not m:
            return 404, {"Message": f"No route for {path} in the SCM stand-in (only /api/vfs/)."}, js, None
        site_name, rel = m.group(1), (m.group(2) or "/")
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return 401, {"Message": "Authorization has been denied for this request."}, js, None
        try:
            claims = identity.decode(auth[7:].strip(), self.key)
        except identity.TokenError as e:
            return 401, {"Message": e.message, "Code": e.code}, js, None
        principal = self.principal_from_claims(claims)
        with self.arm.lock:
            site = next((s for s in self.arm.all_of("Microsoft.Web/sites")
                         if s.body["name"].lower() == site_name.lower()), None)
        if site is None:
            return 404, {"Message": f"The site {site_name} does not exist."}, js, principal.name
        if not self.roles.allowed(principal.object_id, PUBLISH, site.id):
            return 403, {"Message": f"The client '{principal.app_id}' with object id '{principal.object_id}' "
                                    f"does not have authorization to perform action '{PUBLISH}' over scope "
                                    f"'{site.id}'."}, js, principal.name
        if h.command not in ("GET", "HEAD"):
            return 405, {"Message": "The SCM stand-in only reads."}, js, principal.name
        root = os.path.realpath(scm_root(self.run_dir, site.body["name"]))
        target = os.path.realpath(os.path.join(root, rel.lstrip("/")))
        if target != root and not target.startswith(root + os.sep):
            return 404, {"Message": f"'{rel}' is outside /home."}, js, principal.name
        shown = "/home" + ("/" + os.path.relpath(target, root) if target != root else "")
        if os.path.isdir(target):
            items = []
            for name in sorted(os.listdir(target)):
                p = os.path.join(target, name)
                st = os.stat(p)
                d = os.path.isdir(p)
                items.append({"name": name, "size": 0 if d else st.st_size,
                              "mtime": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(st.st_mtime)),
                              "mime": "inode/directory" if d else (mimetypes.guess_type(name)[0] or "text/plain"),
                              "href": f"{path.rstrip('/')}/{name}{'/' if d else ''}",
                              "path": f"{shown}/{name}"})
            return 200, items, js, principal.name
        try:
            with open(target, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return 404, {"Message": f"'{shown}' not found."}, js, principal.name
        except OSError as e:
            return 500, {"Message": f"'{shown}': {e.strerror}"}, js, principal.name
        return 200, data, mimetypes.guess_type(target)[0] or "application/octet-stream", principal.name
