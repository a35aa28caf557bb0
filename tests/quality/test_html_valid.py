"""Every page of every role is valid HTML for the Nu HTML Checker (vnu.jar, the W3C's checker)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.quality.crawl import VNU_JAR, pages
from tests.world import world  # noqa: F401 - the shared world fixture


def _java() -> str:
    java = shutil.which("java")
    if not java:
        pytest.fail("Java is not installed; `make test` installs Debian's default-jre-headless.")
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR} is missing; `make test` installs it (npm ci in tests/tools).")
    return java


def test_every_page_of_every_role_is_valid_html(app, world, tmp_path):  # noqa: F811
    java = _java()
    found = pages(app, world)
    assert len(found) > 60, "the crawl reached too few pages"
    for i, page in enumerate(found):
        if not page.html.lstrip().lower().startswith("<!doctype"):
            # An htmx fragment served on its own: checked inside a minimal document of its kind.
            inner = f"<select aria-label='x'>{page.html}</select>" if page.html.lstrip().startswith("<option") \
                else page.html
            found[i] = type(page)(page.role, page.endpoint, page.path,
                                  f"<!doctype html><html lang='nl'><head><title>fragment</title></head>"
                                  f"<body>{inner}</body></html>")
    files = {}
    for page in found:
        path = tmp_path / f"{page.slug}.html"
        path.write_text(page.html)
        files[path.name] = page
    # The checker is a tool, not the code under test: it keeps the real clock in the 400-days-ahead
    # run (under libfaketime the JVM runs four times slower), and a short run needs no optimising JIT.
    env = {name: value for name, value in os.environ.items() if not name.startswith(("LD_PRELOAD", "FAKETIME"))}
    result = subprocess.run([java, "-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(VNU_JAR),
                             "--format", "json", "--errors-only", "--exit-zero-always",
                             *[str(tmp_path / f"{p.slug}.html") for p in found]],
                            capture_output=True, text=True, timeout=600, env=env)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = []
    for message in messages:
        if message.get("type") == "error":
            name = (message.get("url") or "").rsplit("/", 1)[-1]
            where = files[name].label if name in files else message.get("url")
            problems.append(f"{where}: line {message.get('lastLine')}: {message['message']}")
    assert problems == [], f"{len(problems)} errors:\n" + "\n".join(problems[:80])
