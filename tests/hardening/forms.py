"""The real forms of the app, read from its rendered pages: action, method and fields.

The fuzz tests send hostile values under the field names the pages actually use, so a
renamed field or a new form is covered without anyone listing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea" or "button"
    values: list[str] = field(default_factory=list)  # the value shown, and every option or choice
    multiple: bool = False


@dataclass
class Form:
    method: str
    action: str  # a path, without query string
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str | None = None, multiple: bool = False) -> None:
        item = self.fields.setdefault(name, Field(name, kind, multiple=multiple))
        if value is not None and value not in item.values:
            item.values.append(value)
        item.multiple = item.multiple or multiple


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or a.get("data-hx-post") or a.get("data-hx-get") or self.page_path
            method = "POST" if (a.get("method", "get").lower() == "post" or "data-hx-post" in a) else "GET"
            self._form = Form(method, urlsplit(urljoin(self.page_path, action)).path)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form.add(name, a.get("type", "text").lower(), a.get("value", ""))
        elif tag == "button" and name:
            self._form.add(name, "button", a.get("value", ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a)
            self._form.add(name, "select", multiple="multiple" in a)
        elif tag == "option" and self._select:
            self._form.add(self._select[0], "select", a.get("value", ""), multiple=self._select[1])
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.add(name, "textarea")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea and data.strip():
            self._form.add(self._textarea, "textarea", data)


def forms_in(html: str, page_path: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


def merge(into: dict[tuple[str, str], dict[str, Field]], endpoint: str, form: Form) -> None:
    """Collect the fields of every form that posts to ``endpoint`` (per method)."""
    fields = into.setdefault((endpoint, form.method), {})
    for name, item in form.fields.items():
        known = fields.setdefault(name, Field(name, item.kind, multiple=item.multiple))
        for value in item.values:
            if value not in known.values:
                known.values.append(value)
        known.multiple = known.multiple or item.multiple
