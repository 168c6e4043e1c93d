#!/usr/bin/python3
"""Credentials end to end against the ARM twin's Entra, App Service identity and IMDS endpoints (no
lab): `vnetdiag env -o json` walks the credential chain as a check does and says which credential
gave a token (name, client id, tenant) and what happened to each of the others. Every credential
kind is used once for real (the twin verifies secrets, certificate assertions against the registered
certificate and federated tokens against the registered issuer key), every failure is one line that
names the credential and the AADSTS code, the chain order and where it stops are as in
DefaultAzureCredential, and no secret, key, assertion or token appears in any output.

Traffic: only the twin on loopback. IMDS is pointed at loopback with AZURE_POD_IDENTITY_AUTHORITY_HOST
in every run (a closed port when the case is not about IMDS), so 169.254.169.254 is never asked.
The Azure CLI is a fake `az` on PATH printing the real `az account get-access-token -o json` shape.

usage: credentials_test.py VNETDIAG"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "armtwin"))
from twinlib import Checks, Twin  # noqa: E402

VNETDIAG = os.path.abspath(sys.argv[1])
NAMES = {"secret": "service principal (AZURE_CLIENT_SECRET)",
         "cert": "service principal (AZURE_CLIENT_CERTIFICATE_PATH)",
         "workload": "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
         "appservice": "App Service managed identity",
         "imds": "IMDS managed identity",
         "cli": "Azure CLI",
         "file": "token file (--token-file)"}
ISSUER = "https://oidc.twin.invalid/cluster-1"
SUBJECT = "system:serviceaccount:default:vnetdiag"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class World:
    def __init__(self, twin, work):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        self.twin, self.work = twin, work
        self.secrets = [twin.env["AZURE_CLIENT_SECRET"], twin.env["IDENTITY_HEADER"]]
        id_url = urllib.parse.urlsplit(twin.env["IDENTITY_ENDPOINT"])
        self.imds_host = f"http://127.0.0.1:{id_url.port}"
        self.no_imds = f"http://127.0.0.1:{closed_port()}"
        # The service principal's certificate (registered at the twin) and another one (not).
        self.cert = self.make_cert("registered")
        self.other_cert = self.make_cert("unregistered")
        st, _, b = twin.control("POST", "credentials",
                                {"principal": "fixer", "certificate": open(self.cert + ".crt").read()})
        assert st == 200, b
        # The workload identity's issuer (the cluster's OIDC issuer) and its federated record.
        self.issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pub = self.issuer_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        st, _, b = twin.control("POST", "credentials", {"principal": "reader", "federated": {
            "issuer": ISSUER, "subject": SUBJECT, "key": pub}})
        assert st == 200, b
        # A fake az printing what `az account get-access-token -o json` prints (azure-cli 2.54+).
        self.az_dir = os.path.join(work, "azbin")
        os.makedirs(self.az_dir)
        self.cli_token = "cli-token-canary-" + uuid.uuid4().hex
        self.secrets.append(self.cli_token)
        exp = int(time.time()) + 3000
        out = json.dumps({"accessToken": self.cli_token,
                          "expiresOn": time.strftime("%Y-%m-%d %H:%M:%S.000000", time.localtime(exp)),
                          "expires_on": exp, "subscription": twin.env["SUBSCRIPTION"],
                          "tenant": twin.env["TENANT"], "tokenType": "Bearer"}, indent=2)
        with open(os.path.join(self.az_dir, "az"), "w") as f:
            f.write("#!/bin/sh\n"
                    f'[ "$1 $2" = "account get-access-token" ] || exit 2\n'
                    f"cat <<'EOF'\n{out}\nEOF\n")
        os.chmod(os.path.join(self.az_dir, "az"), 0o755)

    def make_cert(self, name):
        base = os.path.join(self.work, name)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", base + ".key",
                        "-out", base + ".crt", "-days", "2", "-subj", f"/CN=vnetdiag-{name}"],
                       check=True, capture_output=True)
        key = open(base + ".key").read()
        with open(base + ".pem", "w") as f:
            f.write(key + open(base + ".crt").read())
        self.secrets_add(key)
        return base

    def secrets_add(self, text):
        self.secrets = getattr(self, "secrets", [])
        # The body of a PEM key: each base64 line is secret material.
        self.secrets += [ln for ln in text.splitlines() if ln and not ln.startswith("-----")][:3]

    def federated_token(self, sub=SUBJECT, exp_in=3600, key=None, aud="api://AzureADTokenExchange"):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        now = int(time.time())
        head = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "k1"}).encode())
        body = b64(json.dumps({"iss": ISSUER, "sub": sub, "aud": [aud], "iat": now - 60, "nbf": now - 60,
                               "exp": now + exp_in}).encode())
        sig = (key or self.issuer_key).sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        token = f"{head}.{body}.{b64(sig)}"
        self.secrets.append(token.split(".")[2])
        return token

    def env(self, **extra):
        e = {"PATH": "/usr/bin:/bin", "HOME": self.work, "LANG": "C.UTF-8",
             "VNETDIAG_ARM_CA_BUNDLE": self.twin.ca, "AZURE_AUTHORITY_HOST": self.twin.env["AZURE_AUTHORITY_HOST"],
             "AZURE_POD_IDENTITY_AUTHORITY_HOST": self.no_imds}
        e.update({k: v for k, v in extra.items() if v is not None})
        return e

    def run(self, env, *args):
        p = subprocess.run([VNETDIAG, "env", "-o", "json", *args], env=env, capture_output=True, text=True,
                           timeout=60)
        try:
            j = json.loads(p.stdout)
        except json.JSONDecodeError:
            j = {}
        for s in self.secrets:
            if s and (s in p.stdout or s in p.stderr):
                raise AssertionError(f"a secret ({s[:6]}...) reached vnetdiag's output")
        # The text form too: one line for the credential, one per chain entry.
        t = subprocess.run([VNETDIAG, "env", *args], env=env, capture_output=True, text=True, timeout=60)
        for s in self.secrets:
            if s and (s in t.stdout or s in t.stderr):
                raise AssertionError(f"a secret ({s[:6]}...) reached vnetdiag env's text output")
        cred = j.get("credential", {})
        cred["outcomes"] = {c["name"]: c["outcome"] for c in cred.get("chain", [])}
        cred["rc"], cred["stderr"], cred["text"] = p.returncode, p.stderr, t.stdout
        return cred

    def sp(self, client="AZURE_CLIENT_ID"):
        return {"AZURE_TENANT_ID": self.twin.env["TENANT"], "AZURE_CLIENT_ID": self.twin.env[client]}


def one_line(c, cred, what):
    err = cred.get("error", "")
    c.check(err and "\n" not in err and len(err) < 600, f"{what}: one-line error", repr(err)[:300])


def test_service_principal_secret(c, w):
    cred = w.run(w.env(**w.sp(), AZURE_CLIENT_SECRET=w.twin.env["AZURE_CLIENT_SECRET"]))
    c.eq(cred.get("used"), NAMES["secret"], "client secret: token from Entra")
    c.check(w.twin.env["AZURE_CLIENT_ID"] in cred.get("identity", "") and w.twin.env["TENANT"] in
            cred.get("identity", ""), "... env names its client id and tenant", cred.get("identity"))
    c.check(f"ARM credential: {NAMES['secret']}" in cred["text"], "... and says so in text", cred["text"][-600:])
    wrong = "wrong-secret-" + uuid.uuid4().hex
    w.secrets.append(wrong)
    cred = w.run(w.env(**w.sp(), AZURE_CLIENT_SECRET=wrong, IDENTITY_ENDPOINT=w.twin.env["IDENTITY_ENDPOINT"],
                       IDENTITY_HEADER=w.twin.env["IDENTITY_HEADER"]))
    c.check(cred.get("used") is None and NAMES["secret"] in cred.get("error", "") and
            "AADSTS7000215" in cred.get("error", ""), "wrong secret: fails naming the credential and AADSTS7000215",
            cred.get("error"))
    one_line(c, cred, "wrong secret")
    c.eq(cred["outcomes"].get(NAMES["appservice"]), "not tried",
         "... and stops the chain: the managed identity is not tried instead (DefaultAzureCredential)")
    cred = w.run(w.env(AZURE_CLIENT_ID=w.twin.env["AZURE_CLIENT_ID"], AZURE_CLIENT_SECRET=wrong))
    c.check(cred["outcomes"].get(NAMES["secret"], "").endswith("AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID is not"),
            "secret without tenant: skipped, saying AZURE_TENANT_ID is missing", str(cred["outcomes"]))


def test_service_principal_certificate(c, w):
    cred = w.run(w.env(**w.sp(), AZURE_CLIENT_CERTIFICATE_PATH=w.cert + ".pem"))
    c.eq(cred.get("used"), NAMES["cert"], "certificate: the twin verified the RS256 assertion, token issued")
    cred = w.run(w.env(**w.sp(), AZURE_CLIENT_CERTIFICATE_PATH=w.other_cert + ".pem"))
    c.check(NAMES["cert"] in cred.get("error", "") and "AADSTS700027" in cred.get("error", ""),
            "unregistered certificate: AADSTS700027", cred.get("error"))
    one_line(c, cred, "unregistered certificate")
    cred = w.run(w.env(**w.sp(), AZURE_CLIENT_CERTIFICATE_PATH=os.path.join(w.work, "missing.pem")))
    c.check(NAMES["cert"] in cred.get("error", "") and "cannot be read" in cred.get("error", ""),
            "missing certificate file: says it cannot be read", cred.get("error"))
    garbage = os.path.join(w.work, "garbage.pem")
    with open(garbage, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    cred = w.run(w.env(**w.sp(), AZURE_CLIENT_CERTIFICATE_PATH=garbage))
    c.check(NAMES["cert"] in cred.get("error", "") and "PEM" in cred.get("error", ""),
            "unreadable PEM: names the file's problem", cred.get("error"))
    one_line(c, cred, "unreadable PEM")
    cred = w.run(w.env(**w.sp(), AZURE_CLIENT_CERTIFICATE_PATH=w.cert + ".crt"))
    c.check("private key" in cred.get("error", ""), "certificate without its key: says the key is missing",
            cred.get("error"))


def test_assertions_at_the_twin(c, w):
    """What vnetdiag cannot be made to send (an expired or forged assertion): the twin's answers."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    tenant, client = w.twin.env["TENANT"], w.twin.env["READER_CLIENT_ID"]

    def ask(assertion, cid=client):
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": cid,
                                       "scope": "https://management.azure.com/.default",
                                       "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                                       "client_assertion": assertion})
        st, _, b = w.twin.arm.raw("POST", f"/{tenant}/oauth2/v2.0/token", form, token=False,
                                  content_type="application/x-www-form-urlencoded")
        return st, b.get("error_description", "")
    st, d = ask(w.federated_token())
    c.eq(st, 200, "twin: a valid federated token is accepted")
    st, d = ask(w.federated_token(exp_in=-900))
    c.check(st == 401 and d.startswith("AADSTS700024"), "twin: expired assertion -> AADSTS700024", d)
    st, d = ask(w.federated_token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    c.check(st == 401 and d.startswith("AADSTS700027"), "twin: wrong signature -> AADSTS700027", d)
    st, d = ask(w.federated_token(sub="system:serviceaccount:other:x"))
    c.check(st == 400 and d.startswith("AADSTS700213"), "twin: unknown subject -> AADSTS700213", d)
    st, d = ask(w.federated_token(aud="api://elsewhere"))
    c.check(st == 400 and d.startswith("AADSTS700212"), "twin: wrong audience -> AADSTS700212", d)
    st, d = ask("not.a.jwt")
    c.check(st == 401 and d.startswith("AADSTS50027"), "twin: malformed assertion -> AADSTS50027", d)


def test_workload_identity(c, w):
    path = os.path.join(w.work, "federated-token")
    with open(path, "w") as f:
        f.write(w.federated_token() + "\n")
    env = w.env(**w.sp("READER_CLIENT_ID"), AZURE_FEDERATED_TOKEN_FILE=path)
    cred = w.run(env)
    c.eq(cred.get("used"), NAMES["workload"], "workload identity: federated token exchanged for a token")
    c.check(w.twin.env["READER_CLIENT_ID"] in cred.get("identity", ""), "... names its client id", cred.get("identity"))
    with open(path, "w") as f:  # the same file, rotated to an expired token: read again, refused
        f.write(w.federated_token(exp_in=-900))
    cred = w.run(env)
    c.check(NAMES["workload"] in cred.get("error", "") and "AADSTS700024" in cred.get("error", ""),
            "expired federated token: AADSTS700024", cred.get("error"))
    one_line(c, cred, "expired federated token")
    with open(path, "w") as f:
        f.write(w.federated_token(sub="system:serviceaccount:other:x"))
    cred = w.run(env)
    c.check("AADSTS700213" in cred.get("error", ""), "federated token with an unknown subject: AADSTS700213",
            cred.get("error"))
    cred = w.run(w.env(**w.sp("READER_CLIENT_ID"), AZURE_FEDERATED_TOKEN_FILE=path + ".missing"))
    c.check(NAMES["workload"] in cred.get("error", "") and "cannot be read" in cred.get("error", ""),
            "missing federated token file: says so", cred.get("error"))


def test_app_service_identity(c, w):
    mi = {"IDENTITY_ENDPOINT": w.twin.env["IDENTITY_ENDPOINT"], "IDENTITY_HEADER": w.twin.env["IDENTITY_HEADER"]}
    cred = w.run(w.env(**mi))
    c.eq((cred.get("used"), cred.get("identity")), (NAMES["appservice"], "system-assigned"),
         "App Service managed identity (system-assigned)")
    st, _, p = w.twin.control("GET", "principals")
    app_client = p["app"]["app_id"]
    cred = w.run(w.env(**mi), "--client-id", app_client)
    c.eq((cred.get("used"), cred.get("identity")), (NAMES["appservice"], f"client id {app_client}"),
         "--client-id: the user-assigned identity is asked for by client_id")
    cred = w.run(w.env(**mi, AZURE_CLIENT_ID=app_client))
    c.eq(cred.get("identity"), f"client id {app_client}", "... AZURE_CLIENT_ID does the same")
    cred = w.run(w.env(**mi, PATH=w.az_dir + ":/usr/bin:/bin"), "--client-id", str(uuid.uuid4()))
    c.check(NAMES["appservice"] in cred.get("error", "") and "HTTP 400" in cred.get("error", ""),
            "unknown client id: the endpoint's 400, one line", cred.get("error"))
    one_line(c, cred, "identity endpoint 400")
    c.eq(cred["outcomes"].get(NAMES["cli"]), "not tried", "... an identity endpoint that answers with an error "
                                                            "stops the chain (the Azure CLI is not asked)")
    w.twin.control("POST", "faults", {"kind": "token_error", "count": 1})
    cred = w.run(w.env(**mi))
    c.check(NAMES["appservice"] in cred.get("error", "") and "HTTP 500" in cred.get("error", ""),
            "identity endpoint 500: one-line error naming it", cred.get("error"))
    w.twin.control("DELETE", "faults")
    dead = {"IDENTITY_ENDPOINT": f"http://127.0.0.1:{closed_port()}/msi/token", "IDENTITY_HEADER": "h"}
    cred = w.run(w.env(**dead, PATH=w.az_dir + ":/usr/bin:/bin"))
    c.eq(cred.get("used"), NAMES["cli"], "identity endpoint not answering: unavailable, the next credential is used")
    c.check(cred["outcomes"].get(NAMES["appservice"], "").startswith("skipped: "), "... and env says why it was skipped",
            cred["outcomes"].get(NAMES["appservice"]))


def test_imds(c, w):
    cred = w.run(w.env(AZURE_POD_IDENTITY_AUTHORITY_HOST=w.imds_host))
    c.eq(cred.get("used"), NAMES["imds"], "IMDS (at AZURE_POD_IDENTITY_AUTHORITY_HOST): token")
    cred = w.run(w.env(AZURE_POD_IDENTITY_AUTHORITY_HOST=w.imds_host), "--client-id", str(uuid.uuid4()))
    c.check(cred.get("used") is None and "Identity not found" in cred.get("error", ""),
            "IMDS without that identity: unavailable, and the final error says why", cred.get("error"))
    one_line(c, cred, "IMDS 400")
    cred = w.run(w.env(AZURE_POD_IDENTITY_AUTHORITY_HOST="http://192.0.2.1:80"))
    c.check(cred.get("used") is None and "loopback" in cred.get("error", "") + cred.get("text", ""),
            "IMDS host beyond loopback/link-local over http: refused unsent", cred.get("error"))


def test_cli_and_none(c, w):
    cred = w.run(w.env(PATH=w.az_dir + ":/usr/bin:/bin"))
    c.check(cred.get("used") == NAMES["cli"] and NAMES["imds"] in cred["outcomes"] and
            cred["outcomes"][NAMES["imds"]].startswith("skipped"), "Azure CLI: its token, after IMDS was skipped",
            str(cred))
    cred = w.run(w.env())
    c.check(cred.get("used") is None and cred.get("error", "").startswith("no Azure credential worked"),
            "no credential at all: says which to set", cred.get("error"))
    one_line(c, cred, "no credential")
    c.check("no 'az' on PATH" in cred["outcomes"].get(NAMES["cli"], ""), "... and why the CLI was skipped",
            str(cred["outcomes"]))


def test_order(c, w):
    path = os.path.join(w.work, "federated-order")
    with open(path, "w") as f:
        f.write(w.federated_token())
    mi = {"IDENTITY_ENDPOINT": w.twin.env["IDENTITY_ENDPOINT"], "IDENTITY_HEADER": w.twin.env["IDENTITY_HEADER"]}
    everything = dict(w.sp(), AZURE_CLIENT_SECRET=w.twin.env["AZURE_CLIENT_SECRET"],
                      AZURE_CLIENT_CERTIFICATE_PATH=w.cert + ".pem", AZURE_FEDERATED_TOKEN_FILE=path,
                      PATH=w.az_dir + ":/usr/bin:/bin", **mi)
    cred = w.run(w.env(**everything))
    c.eq(cred.get("used"), NAMES["secret"], "order: the environment's client secret first")
    c.check(cred["outcomes"].get(NAMES["cert"], "").startswith("skipped: AZURE_CLIENT_SECRET is used"),
            "... the certificate is skipped when a secret is set", cred["outcomes"].get(NAMES["cert"]))
    del everything["AZURE_CLIENT_SECRET"]
    cred = w.run(w.env(**everything))
    c.eq(cred.get("used"), NAMES["cert"], "... then the certificate")
    del everything["AZURE_CLIENT_CERTIFICATE_PATH"]
    everything.update(w.sp("READER_CLIENT_ID"))
    cred = w.run(w.env(**everything))
    c.eq(cred.get("used"), NAMES["workload"], "... then workload identity")
    del everything["AZURE_FEDERATED_TOKEN_FILE"]
    del everything["AZURE_CLIENT_ID"]
    cred = w.run(w.env(**everything))
    c.eq(cred.get("used"), NAMES["appservice"], "... then managed identity")
    for k in mi:
        del everything[k]
    cred = w.run(w.env(**everything))
    c.eq(cred.get("used"), NAMES["cli"], "... then the Azure CLI")
    tf = os.path.join(w.work, "token")
    with open(tf, "w") as f:
        f.write(w.cli_token)
    cred = w.run(w.env(**everything, AZURE_CLIENT_SECRET=w.twin.env["AZURE_CLIENT_SECRET"]), "--token-file", tf)
    c.eq(cred.get("used"), NAMES["file"], "--token-file before all of them")
    cred = w.run(w.env(**everything), "--no-arm")
    c.check(cred.get("used") is None and "--no-arm" in cred.get("error", ""), "--no-arm: no token is asked for",
            cred.get("error"))


def main():
    if shutil.which("openssl") is None:
        print("SKIP: no openssl")
        return 77
    c = Checks("credentials")
    twin = Twin("empty-network")
    work = tempfile.mkdtemp(prefix="vnetdiag-creds-")
    try:
        w = World(twin, work)
        for t in (test_service_principal_secret, test_service_principal_certificate, test_assertions_at_the_twin,
                  test_workload_identity, test_app_service_identity, test_imds, test_cli_and_none, test_order):
            c.run(t, w)
        st, _, j = twin.control("GET", "journal")
        kinds = {(e.get("kind"), e.get("status")) for e in j.get("entries", [])}
        c.check(("entra", 200) in kinds and ("managed-identity", 200) in kinds,
                "the twin's journal shows Entra and the identity endpoint issuing tokens", str(sorted(kinds))[:300])
        journal = json.dumps(j)
        c.check(not any(s and s in journal for s in w.secrets), "... and holds none of the secrets")
    finally:
        twin.stop()
        shutil.rmtree(work, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
