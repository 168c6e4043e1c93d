"""Tokens, principals and role assignments of the twin.

Tokens are JWTs signed with a per-run key (HS256): ARM never has to call back anywhere, and
clients that decode the token (for oid/appid/tid/exp, as vnetdiag does) see realistic claims.
Principals: the app's system-assigned managed identity and service principals with client
secrets. Role assignments map a principal to allowed/denied actions at a scope, the way Azure
RBAC evaluates them (action globs, scope = id prefix on a segment boundary, case-insensitive).
"""
import base64
import fnmatch
import hashlib
import hmac
import json
import secrets
import time

ARM_AUDIENCES = ("https://management.azure.com/", "https://management.azure.com",
                 "https://management.core.windows.net/", "https://management.core.windows.net")


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims, key):
    header = _b64(json.dumps({"typ": "JWT", "alg": "HS256", "kid": "armtwin"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(sig)}"


class TokenError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def decode(token, key, now=None):
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("InvalidAuthenticationToken", "The access token is invalid.")
    try:
        expect = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expect, _unb64(parts[2])):
            raise TokenError("InvalidAuthenticationToken",
                             "The access token has an invalid signature.")
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, TypeError):
        raise TokenError("InvalidAuthenticationToken", "The access token is invalid.") from None
    now = time.time() if now is None else now
    if claims.get("exp", 0) <= now:
        exp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(claims.get("exp", 0)))
        raise TokenError("ExpiredAuthenticationToken",
                         f"The access token expiry UTC time '{exp}' is earlier than current UTC time "
                         f"'{time.strftime('%m/%d/%Y %H:%M:%S', time.gmtime(now))}'.")
    if claims.get("aud") not in ARM_AUDIENCES:
        raise TokenError("InvalidAuthenticationTokenAudience",
                         f"The access token has been obtained for wrong audience or resource "
                         f"'{claims.get('aud')}'. It should exactly match with one of the allowed "
                         f"audiences '{ARM_AUDIENCES[0]}','{ARM_AUDIENCES[2]}'.")
    return claims


class Principal:
    def __init__(self, object_id, name, kind, app_id, secret=None, resource_id=None):
        self.object_id = object_id
        self.name = name
        self.kind = kind              # "ManagedIdentity" | "ServicePrincipal"
        self.app_id = app_id
        self.secret = secret
        self.resource_id = resource_id  # for a managed identity: the site it belongs to

    def describe(self):
        d = {"object_id": self.object_id, "name": self.name, "kind": self.kind, "app_id": self.app_id}
        if self.resource_id:
            d["resource_id"] = self.resource_id
        return d


# Built-in roles as sets of (actions, notActions), trimmed to what matters here.
ROLES = {
    "Owner": (["*"], []),
    "Contributor": (["*"], ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                            "Microsoft.Authorization/elevateAccess/Action"]),
    "Reader": (["*/read"], []),
    # Manages access (role assignments, management locks): Microsoft.Authorization/* -- with Owner the
    # only built-in role that may write or delete a lock.
    "User Access Administrator": (["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], []),
    "Network Contributor": (["Microsoft.Network/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
                             "*/read"], []),
    "Private DNS Zone Contributor": (["Microsoft.Network/privateDnsZones/*",
                                      "Microsoft.Network/virtualNetworks/join/action", "*/read"], []),
    "Website Contributor": (["Microsoft.Web/sites/*", "Microsoft.Web/serverFarms/join/action",
                             "Microsoft.Web/serverFarms/read", "*/read"], []),
    "Web Plan Contributor": (["Microsoft.Web/serverFarms/*", "*/read"], []),
    "Key Vault Contributor": (["Microsoft.KeyVault/*", "*/read"], []),
    "Cognitive Services Contributor": (["Microsoft.CognitiveServices/*", "*/read"], []),
}


def _scope_covers(scope, resource):
    s, r = scope.rstrip("/").lower(), resource.rstrip("/").lower()
    return r == s or r.startswith(s + "/") or s == ""


def _action_matches(pattern, action):
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


class Roles:
    """Role assignments: [{principal, role?, actions, not_actions, scope}]."""

    def __init__(self):
        self.assignments = []

    def assign(self, principal_id, scope, role=None, actions=None, not_actions=None):
        if role is not None:
            if role not in ROLES:
                raise ValueError(f"unknown role '{role}' (known: {', '.join(ROLES)})")
            actions, not_actions = ROLES[role]
        self.assignments.append({"principal": principal_id, "role": role, "scope": scope,
                                 "actions": list(actions or []), "not_actions": list(not_actions or [])})

    def clear(self, principal_id=None):
        self.assignments = [a for a in self.assignments
                            if principal_id is not None and a["principal"] != principal_id]

    def allowed(self, principal_id, action, resource_id):
        for a in self.assignments:
            if a["principal"] != principal_id or not _scope_covers(a["scope"], resource_id):
                continue
            if any(_action_matches(p, action) for p in a["actions"]) and \
                    not any(_action_matches(p, action) for p in a["not_actions"]):
                return True
        return False


def split_jwt(token):
    """(header, claims, signing input bytes, signature bytes) of a compact JWT; ValueError if malformed."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    try:
        header, claims = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1]))
        sig = _unb64(parts[2])
    except (ValueError, TypeError) as e:
        raise ValueError(str(e)) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("header or claims not an object")
    return header, claims, f"{parts[0]}.{parts[1]}".encode(), sig


def load_certificate(pem):
    from cryptography import x509
    return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)


def load_public_key(pem):
    from cryptography.hazmat.primitives import serialization
    return serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)


def thumbprints(cert):
    """{"x5t": base64url SHA-1, "x5t#S256": base64url SHA-256} of a certificate (DER), as Entra names them."""
    from cryptography.hazmat.primitives import hashes
    return {"x5t": _b64(cert.fingerprint(hashes.SHA1())), "x5t#S256": _b64(cert.fingerprint(hashes.SHA256()))}  # noqa: S303


def find_certificate(principal, header):
    """The principal's registered certificate named by the JWT header's x5t#S256 (or x5t), or None."""
    for cert in getattr(principal, "certificates", []):
        t = thumbprints(cert)
        if (header.get("x5t#S256") and header["x5t#S256"] == t["x5t#S256"]) or \
                (not header.get("x5t#S256") and header.get("x5t") == t["x5t"]):
            return cert
    return None


def rs256_valid(public_key, signing_input, signature):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, TypeError, ValueError, AttributeError):
        return False


def new_secret(n=24):
    return secrets.token_urlsafe(n)
