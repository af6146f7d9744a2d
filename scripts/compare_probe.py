#!/usr/bin/env python3
"""Writes a normalized transcript of what users of one rosterd binary see, for
scripts/compare-before-after.sh to diff against another binary's.

    python3 scripts/compare_probe.py PATH/TO/rosterd OUT.txt

Starts `rosterd serve --demo` on a fresh SQLite database on a free loopback port and records,
in a fixed order: the demo's start-up text; on each product app, SCIM discovery, create / get /
list / filter / replace / patch / delete of Users and Groups, and error cases (bad token, no
token, unknown id, bad filter, bad JSON, duplicate userName, bad PATCH path, failed If-Match);
a few operator CLI commands (text and --json); then every admin-center page signed in as the
demo admin (and the operator console as an operator made with the CLI), with one manual person
created through the form. Each exchange is written as the request line, the status, the
headers and the body; volatile values (UUIDs, timestamps, tokens, passwords, CSRF values,
ETags, cookies, the port) are replaced by placeholders numbered by first appearance, so the
same references in both transcripts line up.

Only the standard library: runs with any python3.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

PRODUCTS = ["learning", "sales-navigator", "teamlink-extend"]
SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# Headers that say nothing about the product (or only repeat the body's length).
SKIP_HEADERS = {"date", "content-length", "connection", "keep-alive", "transfer-encoding"}


class Normalizer:
    """Replaces volatile values by stable placeholders: the n-th distinct UUID seen becomes
    `<uuid-n>`, wherever it appears later."""

    def __init__(self):
        self.seen = {}
        self.secrets = []  # (literal, label): passwords and tokens read from the demo's output

    def placeholder(self, kind, value):
        key = (kind, value)
        if key not in self.seen:
            self.seen[key] = f"<{kind}-{sum(1 for k in self.seen if k[0] == kind) + 1}>"
        return self.seen[key]

    def token(self, m):
        secret = m.group(1)
        if len(secret) > 8:
            label = self.placeholder("token", secret)
            self.seen.setdefault(("prefix", secret[:8]), label[:-1] + "-prefix>")
            return label
        return self.seen.get(("prefix", secret)) or self.placeholder("token", secret)

    def __call__(self, text):
        for literal, label in self.secrets:
            text = text.replace(literal, label)
        text = re.sub(r"http://127\.0\.0\.1:\d+", "http://<host>", text)
        text = re.sub(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            lambda m: self.placeholder("uuid", m.group(0).lower()),
            text,
        )
        # Tokens, and their display prefixes (the first 8 characters of the secret part).
        text = re.sub(r"\brosterd_scim_([A-Za-z0-9_-]+)", self.token, text)
        text = re.sub(r"(csrf=)[^&\s]*", r"\1<csrf>", text)
        # Server-side durations, and the provisioning log's cursor (a time in milliseconds).
        text = re.sub(r"\b\d+ ms\b", "<n> ms", text)
        text = re.sub(r"(after=)\d+\.", r"\1<cursor>.", text)
        # ETags, bare or inside JSON strings.
        text = re.sub(r'W/(\\?)"[^"\\]+\\?"', r'W/\1"<etag>\1"', text)
        # The CSRF token in forms.
        text = re.sub(r'(name="csrf" value=")[^"]*"', r'\1<csrf>"', text)
        # Timestamps as the API and the pages write them.
        text = re.sub(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?",
            "<time>",
            text,
        )
        text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "<date>", text)
        text = re.sub(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b", "<date>", text)
        text = re.sub(r"\b\d{2}:\d{2}(:\d{2})?\b", "<clock>", text)
        return text


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Probe:
    def __init__(self, binary, out):
        self.binary = binary
        self.out = out
        self.norm = Normalizer()
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.host}"
        self.dir = tempfile.mkdtemp(prefix="rosterd-probe-")
        self.env = dict(
            os.environ,
            DATABASE_URL=f"sqlite://{self.dir}/rosterd.db?mode=rwc",
            ROSTERD_LISTEN=self.host,
            ROSTERD_PUBLIC_URL=self.base,
            ROSTERD_LOG="warn",
        )
        for var in ("ROSTERD_CONFIG", "ROSTERD_SMTP_URL", "ROSTERD_OTLP_ENDPOINT"):
            self.env.pop(var, None)
        self.cookies = {}  # per area ("admin", "operator"): the session cookie's name=value
        self.tokens = {}

    def write(self, text):
        self.out.write(self.norm(text).rstrip() + "\n\n")

    # --- the server -------------------------------------------------------------------------

    def start(self):
        self.server = subprocess.Popen(
            [self.binary, "serve", "--demo"],
            env=self.env,
            cwd=self.dir,
            stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.dir, "server.log"), "w"),
            text=True,
        )
        banner = []
        deadline = time.time() + 60
        # The start-up text ends with the last product's token line.
        while time.time() < deadline:
            line = self.server.stdout.readline()
            if not line:
                sys.exit(f"rosterd exited at start; see {self.dir}/server.log")
            banner.append(line)
            if line.strip().startswith("token:") and len([b for b in banner if "token:" in b]) == 3:
                break
        text = "".join(banner)
        password = re.search(r"admin login:\s+\S+ / (\S+)", text).group(1)
        self.admin_password = password
        self.norm.secrets.append((password, "<admin-password>"))
        for product, token in zip(PRODUCTS, re.findall(r"token:\s+(\S+) \(shown only now\)", text)):
            self.tokens[product] = token
        self.write(">>> serve --demo\n" + text)
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)

    def stop(self):
        self.server.terminate()
        self.server.wait(timeout=30)

    def cli(self, *args, stdin=None):
        res = subprocess.run(
            [self.binary, *args],
            env=self.env,
            cwd=self.dir,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        try:
            printed = json.loads(res.stdout)
        except ValueError:
            printed = None
        if isinstance(printed, dict) and isinstance(printed.get("password"), str):
            self.norm.secrets.append((printed["password"], "<cli-password>"))
        self.write(f">>> rosterd {' '.join(args)}\n<<< exit {res.returncode}\n{res.stdout}{res.stderr}")
        return res.stdout

    # --- HTTP -------------------------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, area=None, record=True, note=""):
        headers = dict(headers or {})
        if area and area in self.cookies:
            headers["Cookie"] = self.cookies[area]
        data = None
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", SCIM)
        elif isinstance(body, str):
            data = body.encode()
        conn = http.client.HTTPConnection(self.host, timeout=30)
        conn.request(method, path, body=data, headers=headers)
        res = conn.getresponse()
        raw = res.read()
        conn.close()
        for name, value in res.getheaders():
            if name.lower() == "set-cookie" and area:
                self.cookies[area] = value.split(";", 1)[0]
        text = raw.decode("utf-8", "replace")
        if record:
            lines = [f">>> {method} {path}" + (f"   ({note})" if note else "")]
            if isinstance(body, (dict, list)):
                lines.append(json.dumps(body, indent=1))
            elif isinstance(body, str) and "password=" not in body:
                lines.append(body)
            lines.append(f"<<< {res.status} {res.reason}")
            for name, value in sorted(res.getheaders(), key=lambda h: h[0].lower()):
                if name.lower() in SKIP_HEADERS:
                    continue
                if name.lower() == "set-cookie":
                    value = re.sub(r"^([^=]+)=[^;]*", r"\1=<cookie>", value)
                if name.lower() == "x-request-id":
                    value = "<request-id>"
                lines.append(f"{name.lower()}: {value}")
            if text:
                lines.append("")
                lines.append(pretty(text))
            self.write("\n".join(lines))
        return res.status, dict((k.lower(), v) for k, v in res.getheaders()), text

    def scim(self, product, method, path, body=None, token=None, headers=None, note=""):
        headers = dict(headers or {})
        if token is None:
            token = self.tokens[product]
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.setdefault("Accept", SCIM)
        status, hdrs, text = self.request(
            method, f"/scim/demo/{product}/v2{path}", body, headers, note=note
        )
        try:
            return status, hdrs, json.loads(text) if text else None
        except ValueError:
            return status, hdrs, None

    # --- SCIM -------------------------------------------------------------------------------

    def scim_app(self, product):
        for path in [
            "/ServiceProviderConfig",
            "/ResourceTypes",
            "/ResourceTypes/User",
            "/Schemas",
            f"/Schemas/{USER_SCHEMA}",
            f"/Schemas/{GROUP_SCHEMA}",
        ]:
            self.scim(product, "GET", path)
        self.scim(product, "GET", "/Users", token="", note="no token")
        self.scim(product, "GET", "/Users", token="rosterd_scim_not-a-token", note="wrong token")
        other = PRODUCTS[(PRODUCTS.index(product) + 1) % len(PRODUCTS)]
        self.scim(product, "GET", "/Users", token=self.tokens[other], note="another app's token")

        people = {}
        for email, given, family, title in [
            ("ada@demo.example", "Ada", "Lovelace", "Director"),
            ("alan@demo.example", "Alan", "Turing", "Engineer"),
            ("grace@demo.example", "Grace", "Hopper", "Engineer"),
        ]:
            user = {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "userName": email,
                "externalId": f"ext-{given.lower()}",
                "name": {"givenName": given, "familyName": family},
                "displayName": f"{given} {family}",
                "title": title,
                "emails": [{"value": email, "type": "work", "primary": True}],
                "active": True,
                ENTERPRISE: {"employeeNumber": f"E-{len(people) + 1:04}", "department": "R&D"},
            }
            status, hdrs, body = self.scim(product, "POST", "/Users", user)
            people[given] = (body or {}).get("id", "missing"), hdrs.get("etag", "")
        ada, ada_etag = people["Ada"]
        alan, _ = people["Alan"]
        grace, _ = people["Grace"]
        self.scim(product, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "ADA@demo.example"},
                  note="duplicate userName")
        self.scim(product, "POST", "/Users", '{"schemas": [', headers={"Content-Type": SCIM}, note="bad JSON")
        self.scim(product, "POST", "/Users", {"schemas": [USER_SCHEMA]}, note="no userName")
        self.scim(product, "GET", f"/Users/{ada}")
        self.scim(product, "GET", f"/Users/{ada}?attributes=userName,emails")
        self.scim(product, "GET", f"/Users/{ada}?excludedAttributes=emails,name")
        self.scim(product, "GET", "/Users/00000000-0000-0000-0000-000000000000", note="unknown id")
        self.scim(product, "GET", "/Users/not-an-id", note="malformed id")
        self.scim(product, "GET", "/Users")
        self.scim(product, "GET", "/Users?startIndex=2&count=1")
        self.scim(product, "GET", "/Users?count=0")
        q = urllib.parse.quote
        self.scim(product, "GET", "/Users?filter=" + q('userName eq "alan@demo.example"'))
        self.scim(product, "GET", "/Users?filter=" + q('emails.value co "demo.example" and title eq "Engineer"')
                  + "&sortBy=userName&sortOrder=descending")
        self.scim(product, "GET", "/Users?filter=" + q("userName eq"), note="bad filter")
        self.scim(product, "GET", "/Users?filter=" + q('nosuch eq "x"'), note="unknown attribute")
        self.scim(product, "POST", "/Users/.search",
                  {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                   "filter": 'name.familyName sw "T"', "attributes": ["userName"]})
        self.scim(product, "PATCH", f"/Users/{alan}",
                  {"schemas": [PATCH_SCHEMA], "Operations": [
                      {"op": "replace", "path": "title", "value": "Director"},
                      {"op": "replace", "path": "name.givenName", "value": "Alan M."},
                      {"op": "add", "path": "phoneNumbers", "value": [{"value": "+44 1", "type": "work"}]}]})
        self.scim(product, "PATCH", f"/Users/{alan}",
                  {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "nosuch.attr", "value": 1}]},
                  note="bad path")
        self.scim(product, "PATCH", f"/Users/{alan}",
                  {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "explode", "path": "title"}]},
                  note="bad op")
        self.scim(product, "PATCH", f"/Users/{grace}",
                  {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {"active": False}}]})
        self.scim(product, "PUT", f"/Users/{ada}",
                  {"schemas": [USER_SCHEMA], "userName": "ada@demo.example", "displayName": "Ada King",
                   "name": {"givenName": "Ada", "familyName": "King"}, "title": "Director",
                   "emails": [{"value": "ada@demo.example", "type": "work", "primary": True}], "active": True},
                  headers={"If-Match": ada_etag})
        self.scim(product, "PUT", f"/Users/{ada}", {"schemas": [USER_SCHEMA], "userName": "ada@demo.example"},
                  headers={"If-Match": ada_etag}, note="stale If-Match")

        status, _, group = self.scim(product, "POST", "/Groups",
                                     {"schemas": [GROUP_SCHEMA], "displayName": "Sales EMEA",
                                      "externalId": "grp-emea", "members": [{"value": ada}]})
        emea = (group or {}).get("id", "missing")
        self.scim(product, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sales EMEA"},
                  note="duplicate displayName")
        self.scim(product, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Ghosts",
                                               "members": [{"value": "00000000-0000-0000-0000-000000000000"}]},
                  note="unknown member")
        status, _, group = self.scim(product, "POST", "/Groups",
                                     {"schemas": [GROUP_SCHEMA], "displayName": "Short-lived"})
        short = (group or {}).get("id", "missing")
        self.scim(product, "PATCH", f"/Groups/{emea}",
                  {"schemas": [PATCH_SCHEMA], "Operations": [
                      {"op": "add", "path": "members", "value": [{"value": alan}, {"value": grace}]}]})
        self.scim(product, "PATCH", f"/Groups/{emea}",
                  {"schemas": [PATCH_SCHEMA], "Operations": [
                      {"op": "remove", "path": f'members[value eq "{grace}"]'}]})
        self.scim(product, "PATCH", f"/Groups/{emea}",
                  {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "displayName",
                                                               "value": "Sales Europe"}]})
        self.scim(product, "GET", f"/Groups/{emea}")
        self.scim(product, "GET", f"/Groups/{emea}?excludedAttributes=members")
        self.scim(product, "GET", "/Groups")
        self.scim(product, "GET", "/Groups?filter=" + q('displayName eq "Sales Europe"'))
        self.scim(product, "PUT", f"/Groups/{short}",
                  {"schemas": [GROUP_SCHEMA], "displayName": "Short-lived", "members": [{"value": grace}]})
        self.scim(product, "DELETE", f"/Groups/{short}")
        self.scim(product, "GET", f"/Groups/{short}", note="deleted")
        self.scim(product, "DELETE", f"/Groups/{short}", note="deleted twice")
        self.scim(product, "GET", f"/Users/{ada}", note="with its groups")
        status, _, temp = self.scim(product, "POST", "/Users",
                                    {"schemas": [USER_SCHEMA], "userName": "temp@demo.example", "active": True})
        temp = (temp or {}).get("id", "missing")
        self.scim(product, "DELETE", f"/Users/{temp}")
        self.scim(product, "GET", f"/Users/{temp}", note="deleted")
        self.scim(product, "POST", "/Bulk",
                  {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
                      {"method": "POST", "path": "/Users", "bulkId": "b1",
                       "data": {"schemas": [USER_SCHEMA], "userName": "bulk@demo.example"}},
                      {"method": "DELETE", "path": "/Users/00000000-0000-0000-0000-000000000000"}]})
        self.scim(product, "GET", "/Me", note="not supported")
        self.scim(product, "DELETE", "/Users", note="method not allowed")
        self.scim(product, "GET", "/Nowhere", note="unknown endpoint")

    # --- the admin center -------------------------------------------------------------------

    def sign_in(self, area, login_path, email, password):
        self.request("GET", login_path, area=area)
        status, _, page = self.request("GET", login_path, area=area, record=False)
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        form = urllib.parse.urlencode({"csrf": csrf, "email": email, "password": "wrong" + password})
        self.request("POST", login_path, form, {"Content-Type": "application/x-www-form-urlencoded"},
                     area=area, note="wrong password")
        status, _, page = self.request("GET", login_path, area=area, record=False)
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        form = urllib.parse.urlencode({"csrf": csrf, "email": email, "password": password})
        self.request("POST", login_path, form, {"Content-Type": "application/x-www-form-urlencoded"},
                     area=area)

    def admin_center(self):
        t = "/admin/demo"
        self.request("GET", t)
        self.request("GET", f"{t}/", note="signed out")
        self.sign_in("admin", f"{t}/login", "admin@demo.example", self.admin_password)
        # A manual person through the form.
        status, _, page = self.request("GET", f"{t}/users/new", area="admin")
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        form = urllib.parse.urlencode({
            "csrf": csrf, "email": "mary@demo.example", "given_name": "Mary",
            "family_name": "Somerville", "employee_number": "M-1", "department": "Science", "title": "",
        })
        self.request("POST", f"{t}/users", form, {"Content-Type": "application/x-www-form-urlencoded"},
                     area="admin", note="create a manual person")
        form = urllib.parse.urlencode({"csrf": "forged", "email": "eve@demo.example"})
        self.request("POST", f"{t}/users", form, {"Content-Type": "application/x-www-form-urlencoded"},
                     area="admin", note="bad CSRF")
        time.sleep(1)  # the provisioning log is written in the background
        pages = [f"{t}/", f"{t}/users", f"{t}/users?q=ada", f"{t}/groups", f"{t}/licenses",
                 f"{t}/licenses/policy", f"{t}/reports", f"{t}/provisioning", f"{t}/audit",
                 f"{t}/audit.csv", f"{t}/admins", f"{t}/account/password", f"{t}/nope",
                 "/admin/static/admin.css", "/admin/static/admin.js", "/admin/static/nope.css"]
        for product in PRODUCTS:
            pages += [f"{t}/settings/scim/{product}", f"{t}/settings/scim/{product}/cleanup"]
        status, _, users = self.request("GET", f"{t}/users", area="admin", record=False)
        for person in dict.fromkeys(re.findall(rf'href="{t}/users/([0-9a-f-]{{36}})"', users)):
            pages += [f"{t}/users/{person}", f"{t}/users/{person}/edit", f"{t}/users/{person}/remove"]
        status, _, groups = self.request("GET", f"{t}/groups", area="admin", record=False)
        for group in dict.fromkeys(re.findall(rf'href="{t}/groups/([0-9a-f-]{{36}})"', groups)):
            pages += [f"{t}/groups/{group}", f"{t}/groups/{group}/delete"]
        status, _, reports = self.request("GET", f"{t}/reports", area="admin", record=False)
        pages += list(dict.fromkeys(re.findall(rf'href="({t}/exports/[^"]+)"', reports)))
        for page in pages:
            self.request("GET", page, area="admin")

    def operator_console(self):
        out = self.cli("operator", "create", "ops@rosterd.example", "--json")
        password = json.loads(out)["password"]
        self.request("GET", "/operator")
        self.sign_in("operator", "/operator/login", "ops@rosterd.example", password)
        for page in ["/operator", "/operator/tenants/demo", "/operator/tenants/nope"]:
            self.request("GET", page, area="operator")

    def run(self):
        self.start()
        try:
            # Sales Navigator hands out tiers by its policy: directors get Advanced.
            self.cli("policy", "set", "demo", "sales-navigator", "--default", "core",
                     "--rule", "title:Director=advanced")
            for product in PRODUCTS:
                self.scim_app(product)
            for args in [("tenant", "list"), ("tenant", "show", "demo"), ("admin", "list", "demo"),
                         ("token", "list", "demo"), ("policy", "show", "demo", "sales-navigator"),
                         ("license", "list", "demo"), ("ledger", "verify", "demo"),
                         ("ledger", "log", "demo")]:
                self.cli(*args)
                self.cli("--json", *args)
            self.cli("tenant", "show", "nope")
            self.admin_center()
            self.operator_console()
        finally:
            self.stop()


def pretty(text):
    """JSON indented (its key order kept), anything else as it came."""
    try:
        return json.dumps(json.loads(text), indent=1, ensure_ascii=False)
    except ValueError:
        return text


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[2], "w") as out:
        Probe(os.path.abspath(sys.argv[1]), out).run()


if __name__ == "__main__":
    main()
