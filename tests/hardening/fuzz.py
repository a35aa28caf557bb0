"""The fuzz driver: hostile requests against every route of the inventory, as one role.

Each request is checked: never a 5xx, and a refused request (4xx) changes nothing in
the database, compared by a fingerprint of every row (tests/dbstate.py). A GET changes
nothing either, except the documented maintenance of tests/test_access.py.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from tests.access import all_routes
from tests.dbstate import changed_tables, fingerprint
from tests.hardening import hostile
from tests.hardening.forms import Field, forms_in, merge
from tests.world import client_for

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')

# Not a form and not htmx: a generated file whose query string is unused. The matrix
# covers it; rendering a PDF a thousand times would only make the run slow.
SKIPPED_ENDPOINTS = frozenset({"certificates.pdf"})
DISCOVERY_ROLES = ("admin", "staff", "trainer", "coach", "coordinator", "anonymous")
FILE_SUFFIXES = (".pdf", ".ics", ".csv", ".xlsx", ".txt", ".json")
COMMON_QUERY = ["page", "q", "next", "region", "programme", "municipality", "status", "month", "role",
                "archived", "from_date", "to_date", "programme_id", "region_id", "cohort_id", "user_id"]

# Every form's fields per (endpoint, method), read once per test process from the pages.
_DISCOVERED: dict[tuple[str, str], dict[str, Field]] = {}


@dataclass(frozen=True)
class Target:
    endpoint: str
    method: str
    path: str  # may carry a query string
    allowed: frozenset[str] = frozenset()
    fields: dict[str, Field] = field(default_factory=dict, compare=False, hash=False)
    csrf_fields: tuple[str, ...] = ("csrf_token",)


@dataclass
class Request:
    kind: str
    method: str
    path: str
    pairs: list[tuple[str, str]] = field(default_factory=list)
    body: str = "form"  # form, multipart, json, raw, none
    raw: bytes = b""
    csrf: str = "field"  # field, header, missing, wrong, foreign
    headers: dict[str, str] = field(default_factory=dict)
    endpoint: str | None = None
    csrf_fields: tuple[str, ...] = ("csrf_token",)

    def describe(self) -> str:
        pairs = [(k[:40], (v[:60] + "…") if len(v) > 60 else v) for k, v in self.pairs[:12]]
        return (f"{self.kind}: {self.method} {self.path[:300]} body={self.body} csrf={self.csrf} "
                f"headers={self.headers} pairs={pairs!r} raw={self.raw[:80]!r}")


def _endpoint_of(app: Flask, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except HTTPException:
        return None
    return endpoint


def discover(app: Flask, world: dict) -> dict[tuple[str, str], dict[str, Field]]:
    """Read every page as every role and collect the fields of each form by its endpoint."""
    if _DISCOVERED:
        return _DISCOVERED
    found: dict[tuple[str, str], dict[str, Field]] = {}
    get_paths = sorted({r.path(world) for r in all_routes() if r.method == "GET"
                        and r.endpoint not in SKIPPED_ENDPOINTS})
    get_paths = [p for p in get_paths if not urlsplit(p).path.endswith(FILE_SUFFIXES)]
    for role in DISCOVERY_ROLES:
        client = client_for(app, world, role)
        for path in get_paths:
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in forms_in(response.get_data(as_text=True), urlsplit(path).path):
                endpoint = _endpoint_of(app, form.action, form.method)
                if endpoint is not None:
                    merge(found, endpoint, form)
    _DISCOVERED.update(found)
    return _DISCOVERED


def targets_for(app: Flask, world: dict) -> list[Target]:
    """Every route of the inventory with the fields of its real form (and the inventory's data)."""
    forms = discover(app, world)
    targets: dict[tuple[str, str, str], Target] = {}
    for route in all_routes():
        if route.endpoint in SKIPPED_ENDPOINTS:
            continue
        path = route.path(world)
        fields = dict(forms.get((route.endpoint, route.method), {}))
        given = dict(route.data(world))
        if route.method == "GET":
            given.update(parse_qsl(urlsplit(path).query))
        for name, value in given.items():
            item = fields.setdefault(name, Field(name, "text"))
            if str(value) not in item.values:
                item.values.insert(0, str(value))
        # The driver decides about the token (a prefixed form has its own field name).
        csrf_fields = tuple(sorted(n for n in fields if n.endswith("csrf_token"))) or ("csrf_token",)
        fields = {n: f for n, f in fields.items() if not n.endswith("csrf_token")}
        key = (route.endpoint, route.method, path)
        allowed = route.allowed | (targets[key].allowed if key in targets else frozenset())
        targets[key] = Target(route.endpoint, route.method, path, allowed, fields, csrf_fields)
    return [targets[key] for key in sorted(targets)]


def world_ids(world: dict) -> list[int]:
    ids = {v for k, v in world.items() if k.endswith("_id") and isinstance(v, int)}
    ids |= {user.id for user in world["users"].values()}
    return sorted(ids) + [0, 999_999, 2**31, 2**63, 10**30]


# Strategies ------------------------------------------------------------------------------


def _csrf_mode():
    return st.sampled_from(["field"] * 6 + ["header"] * 2 + ["missing", "wrong", "foreign"])


def _header_value(value: str) -> str:
    # HTTP cannot carry line breaks or NUL in a header (the test client refuses them too);
    # anything else goes, as the raw UTF-8 bytes a client would send.
    value = "".join(ch for ch in value if ch == "\t" or ord(ch) >= 32)
    return value.encode("utf-8", "replace").decode("latin-1")


def _headers():
    return st.fixed_dictionaries(
        {},
        optional={
            "HX-Request": st.sampled_from(["true", "true", "false", ""]),
            "HX-Target": hostile.short_text,
            "HX-Current-URL": st.sampled_from(hostile.SPECIAL),
            "HX-History-Restore-Request": st.sampled_from(["true", "x"]),
            "Accept-Language": st.sampled_from(["nl", "en", "de", "*", "x" * 300, "en;q=abc", ""]),
            "X-Request-ID": st.sampled_from(["abc", "x" * 500, "\u202e", "../../", "", "a b\tc"]),
        },
    ).map(lambda headers: {k: _header_value(v) for k, v in headers.items()})


def _form_post(targets: list[Target], ids: list[int]):
    data = {t: hostile.form_data(t.fields, ids) for t in set(targets)}

    @st.composite
    def build(draw):
        target = draw(st.sampled_from(targets))
        pairs = draw(data[target])
        body = draw(st.sampled_from(["form"] * 5 + ["multipart", "json", "raw"]))
        raw = b""
        if body == "raw":
            raw = draw(st.sampled_from([b"%ff%fe=%c3%28", b"a=%", b"=&=&&==", b"\x00\x01\x02", b"a" * 3000,
                                        "naam=Zoë&x=\u202e".encode()]))
        return Request("form", "POST", target.path, pairs, body, raw, draw(_csrf_mode()), draw(_headers()),
                       target.endpoint, target.csrf_fields)

    return build()


def _get_query(targets: list[Target], ids: list[int]):
    def with_common(target: Target) -> dict[str, Field]:
        fields = dict(target.fields)
        for name in COMMON_QUERY:
            fields.setdefault(name, Field(name, "text"))
        return fields

    # The page's own filters, or those and every common name, in the same request.
    own = {t: hostile.form_data(t.fields, ids) for t in set(targets)}
    common = {t: hostile.form_data(with_common(t), ids) for t in set(targets)}

    @st.composite
    def build(draw):
        target = draw(st.sampled_from(targets))
        pairs = draw(own[target] if draw(st.integers(0, 3)) else common[target])
        path = urlsplit(target.path).path
        if pairs:
            path += "?" + urlencode(pairs)
        return Request("query", "GET", path, [], "none", b"", "missing", draw(_headers()), target.endpoint)

    return build()


def _mutated_ids(app: Flask, targets: list[Target], ids: list[int]):
    adapter = app.url_map.bind("localhost")
    data = {t: hostile.form_data(t.fields, ids) for t in set(targets) if t.method == "POST"}
    other_string = st.one_of(hostile.short_text.filter(bool), st.sampled_from(["x" * 43, "a" * 200, "..", "%00"]))

    @st.composite
    def build(draw):
        target = draw(st.sampled_from(targets))
        parts = urlsplit(target.path)
        endpoint, args = adapter.match(parts.path, method=target.method)
        new_args = {}
        for name, value in args.items():
            if isinstance(value, int):
                new_args[name] = draw(st.sampled_from(ids))
            else:
                new_args[name] = value if draw(st.booleans()) else draw(other_string)
        try:
            path = adapter.build(endpoint, new_args)
        except Exception:  # noqa: BLE001 - a value the converter cannot even write: keep the real one
            path = parts.path
        if parts.query:
            path += "?" + parts.query
        pairs = draw(data[target]) if target.method == "POST" else []
        return Request("foreign-id", target.method, path, pairs, "form" if pairs else "none", b"",
                       draw(_csrf_mode()), draw(_headers()), endpoint, target.csrf_fields)

    return build()


def _garbage_path(targets: list[Target]):
    prefixes = sorted({"/" + urlsplit(t.path).path.strip("/").split("/")[0] for t in targets})

    @st.composite
    def build(draw):
        segments = draw(st.lists(hostile.path_segment(), min_size=1, max_size=4))
        path = "/" + (draw(st.sampled_from(prefixes)) + "/" + "/".join(segments)).lstrip("/")  # never //host
        method = draw(st.sampled_from(["GET", "GET", "POST"]))
        return Request("garbage-path", method, path, [], "none", b"", draw(_csrf_mode()), draw(_headers()))

    return build()


def _wrong_method(targets: list[Target]):
    @st.composite
    def build(draw):
        target = draw(st.sampled_from(targets))
        method = draw(st.sampled_from(["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "POST", "GET"]))
        return Request("method", method, target.path, [], "none", b"", draw(_csrf_mode()), draw(_headers()),
                       target.endpoint, target.csrf_fields)

    return build()


def _oversized(targets: list[Target], limit: int):
    @st.composite
    def build(draw):
        target = draw(st.sampled_from(targets))
        body = draw(st.sampled_from(["form", "multipart"]))
        if draw(st.booleans()):
            pairs = [(f"f{i}", "x") for i in range(1200)]  # more parts than Werkzeug takes
        else:
            pairs = [("body", "x" * (limit + 1))]  # beyond MAX_CONTENT_LENGTH
        return Request("oversized", "POST", target.path, pairs, body, b"", "field", {}, target.endpoint,
                       target.csrf_fields)

    return build()


def requests(app: Flask, targets: list[Target], ids: list[int], limit: int, role: str):
    """Requests for one role: routes the role may use are tried four times as often."""
    weighted = [t for t in targets for _ in range(4 if role in t.allowed else 1)]
    posts = [t for t in weighted if t.method == "POST"]
    gets = [t for t in weighted if t.method == "GET"]
    with_args = [t for t in weighted if re.search(r"/\d+|/[A-Za-z0-9_-]{20,}", urlsplit(t.path).path)]
    choices = []
    if posts:
        choices += [_form_post(posts, ids)] * 10
    if gets:
        choices += [_get_query(gets, ids)] * 4
    if with_args:
        choices += [_mutated_ids(app, with_args, ids)] * 3
    choices += [_garbage_path(targets), _wrong_method(targets)]
    if posts:
        choices += [_oversized(posts, limit)]
    # sampled_from draws each entry alike, so repeating a strategy weighs it.
    return st.sampled_from(choices).flatmap(lambda strategy: strategy)


# The driver ------------------------------------------------------------------------------


class Driver:
    """Sends requests as one role, logging in again when a request ended the session."""

    def __init__(self, app: Flask, world: dict, role: str, maintenance: dict[str, frozenset[str]]):
        self.app, self.world, self.role, self.maintenance = app, world, role, maintenance
        self.sent = 0
        self.statuses: Counter[int] = Counter()
        self.kinds: Counter[str] = Counter()
        self.baseline: dict | None = None
        self.foreign_token = self._token_of(client_for(app, world, "anonymous"))
        self._login()

    def _token_of(self, client) -> str:
        page = client.get("/").get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    def _login(self) -> None:
        self.client = client_for(self.app, self.world, self.role)
        self.token = self._token_of(self.client)

    def _logged_in(self) -> bool:
        cookie = self.client.get_cookie("session")
        if cookie is None:
            return False
        data = self.app.session_interface.get_signing_serializer(self.app).loads(cookie.value)
        return "_user_id" in data

    def _token(self, mode: str) -> str:
        return {"wrong": "IjEyMzQi.forged.token", "foreign": self.foreign_token}.get(mode, self.token)

    def _request_kwargs(self, req: Request) -> dict:
        headers = dict(req.headers)
        pairs = list(req.pairs)
        if req.method not in ("GET", "HEAD", "OPTIONS") and req.csrf != "missing":
            if req.csrf == "header":
                headers["X-CSRFToken"] = self.token
            else:
                pairs += [(name, self._token(req.csrf)) for name in req.csrf_fields]
        kwargs: dict = {"method": req.method, "headers": headers}
        if req.method in ("GET", "HEAD"):
            return kwargs
        if req.body == "json":
            kwargs["data"] = json.dumps(dict(pairs))
            kwargs["content_type"] = "application/json"
        elif req.body == "raw":
            kwargs["data"] = req.raw + b"&" + urlencode(pairs).encode()
            kwargs["content_type"] = "application/x-www-form-urlencoded"
        elif req.body == "multipart":
            kwargs["data"] = MultiDict(pairs)
            kwargs["content_type"] = "multipart/form-data"
        else:
            kwargs["data"] = MultiDict(pairs)
        return kwargs

    def fail(self, message: str) -> None:
        raise AssertionError(message)

    def send(self, req: Request) -> int:
        if self.baseline is None:
            self.baseline = fingerprint()
        response = self.client.open(req.path, csrf=False, **self._request_kwargs(req))
        self.sent += 1
        self.kinds[req.kind] += 1
        status = response.status_code
        self.statuses[status] += 1
        label = f"{self.role} -> {status}: {req.describe()}"
        if status >= 500:
            self.fail(label)
        if status >= 400 or req.method == "GET":
            after = fingerprint()
            changed = changed_tables(self.baseline, after)
            allowed = self.maintenance.get(req.endpoint or "", frozenset()) if status < 400 else frozenset()
            if not changed <= allowed:
                self.fail(f"{label} changed {sorted(changed - allowed)}")
            self.baseline = after
        else:
            self.baseline = None  # an accepted change: a new fingerprint before the next request
        if self.role != "anonymous" and not self._logged_in():
            self._login()
        return status
