"""Public things a visitor finds from the home page: certificate verification and the regional calendars."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._text).split()), self._href))
            self._href = None


def links(body: str) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(body)
    return parser.links


def test_certificate_verification_is_one_click_from_the_home_page(client):
    home = client.get("/").get_data(as_text=True)
    # Both in the employers' block on the home page and in the footer of every page.
    employers = home.split('id="for-employers"', 1)[1].split("</article>", 1)[0]
    href = next(href for _, href in links(employers) if href == "/verify")
    page = client.get(href).get_data(as_text=True)
    assert 'name="number"' in page  # the form that takes a certificate's number
    footer = home.split("<footer", 1)[1]
    assert any(href == "/verify" for _, href in links(footer))


def test_regional_calendars_are_listed_with_subscribe_links(client, region, other_region):
    home = client.get("/").get_data(as_text=True)
    footer = home.split("<footer", 1)[1]
    href = next(href for _, href in links(footer) if href == "/calendars")
    page = client.get(href).get_data(as_text=True)
    for r in (region, other_region):
        assert r.name in page
        assert f"webcal://localhost/regions/{r.slug}/calendar.ics" in page
        # The https link in a field that can be copied.
        assert re.search(rf'<input[^>]*readonly[^>]*value="http://localhost/regions/{r.slug}/calendar.ics"', page)
    for app_name in ("Google", "Outlook", "Apple"):  # Google Agenda in Dutch
        assert app_name in page
    # The feed behind the link answers.
    feed = client.get(f"/regions/{region.slug}/calendar.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"


def test_regional_calendars_page_in_english(client, region):
    client.post("/language", data={"locale": "en"})
    page = client.get("/calendars").get_data(as_text=True)
    assert "Calendars per region" in page
    assert "Subscribe in my calendar app" in page
