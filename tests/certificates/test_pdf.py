"""The certificate PDF is PDF/UA-clean: read back its structure tree (figures with alternative text, the facts
as a table of row headers and values, the holder's language, a title), and the issuer's logo and signatory."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from lms.certificates.documents import certificate_pdf, html_to_pdf
from lms.extensions import db
from lms.programmes.models import SessionTemplate

SIGNATURE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><path d="M5 45 C20 5 30 5 35 40 '
                 'S50 55 60 30 S75 10 80 35" fill="none" stroke="#1a237e" stroke-width="2.5"/></svg>')


@dataclass
class Node:
    """An element of the structure tree, with the text of the marked content it holds."""

    role: str
    obj: dict
    kids: list[Node] = field(default_factory=list)
    own_text: str = ""

    @property
    def text(self) -> str:
        return " ".join((self.own_text + " " + " ".join(kid.text for kid in self.kids)).split())

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def find(self, role: str) -> list[Node]:
        return [node for node in self.walk() if node.role == role]


def _marked_texts(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence, by (page, MCID), read from the content streams."""
    texts: dict[tuple[int, int], str] = {}
    for number, page in enumerate(reader.pages):
        stack: list[int | None] = []

        def before(operator, operands, _cm, _tm):
            if operator == b"BDC":
                properties = operands[1] if len(operands) > 1 else {}
                stack.append(properties.get("/MCID") if hasattr(properties, "get") else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(value, _cm, _tm, _font, _size, page=number):
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None:
                texts[page, mcid] = texts.get((page, mcid), "") + value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def structure_tree(reader: PdfReader) -> Node:
    """The document's /StructTreeRoot as nodes, each with the text of its marked content."""
    texts = _marked_texts(reader)
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}

    def build(obj, page: int | None) -> Node:
        obj = obj.get_object()
        if "/Pg" in obj:
            page = pages[obj.raw_get("/Pg").idnum]
        node = Node(role=str(obj.get("/S", obj.get("/Type"))), obj=obj)
        kids = obj.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, int):
                node.own_text += " " + texts.get((page, kid), "")
            elif isinstance(kid, IndirectObject) or hasattr(kid, "get"):
                target = kid.get_object()
                if target.get("/Type") in ("/OBJR", "/MCR"):
                    continue
                node.kids.append(build(kid, page))
        return node

    return build(reader.trailer["/Root"]["/StructTreeRoot"], None)


def text_heights(page) -> list[tuple[str, float]]:
    """Each piece of text on the page with its height above the bottom edge, in points."""
    found = []

    def text(value, cm, tm, _font, _size):
        if value.strip():
            found.append((value, tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=text)
    return found


def figures_without_alt(data: bytes) -> list[Node]:
    """Every /Figure of the structure tree that has no (or empty) alternative text."""
    tree = structure_tree(PdfReader(io.BytesIO(data)))
    return [figure for figure in tree.find("/Figure") if not str(figure.obj.get("/Alt", "")).strip()]


def facts_table(tree: Node) -> dict[str, str]:
    """The facts table's rows as {row header: value}; fails unless every row is one /TH and one /TD."""
    [table] = tree.find("/Table")
    rows = table.find("/TR")
    assert rows
    facts = {}
    for row in rows:
        assert [kid.role for kid in row.kids] == ["/TH", "/TD"], row.text
        header, value = row.kids
        # The value cell names its row header, so a screen reader announces the label with it.
        assert list(value.obj["/A"]["/Headers"]) == [header.obj["/ID"]]
        facts[header.text] = value.text
    return facts


def test_the_checker_finds_a_figure_without_alternative_text(app):
    """The check is real: an image without alt in a tagged PDF is reported."""
    pixel = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/%3E"
    html = f'<html lang="nl"><title>t</title><p><img src="{pixel}" alt="Een punt"><img src="{pixel}"></p></html>'
    data = html_to_pdf(html, "@page { size: A4 }")
    assert len(structure_tree(PdfReader(io.BytesIO(data))).find("/Figure")) == 2
    assert len(figures_without_alt(data)) == 1


def test_pdf_structure_is_accessible(client, auth, coach, issue):
    certificate = issue(coach)
    auth.login(coach)
    data = client.get(f"/certificates/{certificate.id}.pdf").data
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "nl"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == f"Certificaat {certificate.number}: Basistraining welzijnscoach"
    assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()

    assert figures_without_alt(data) == []
    tree = structure_tree(reader)
    alts = [str(figure.obj["/Alt"]) for figure in tree.find("/Figure")]
    assert len(alts) == 2  # the platform's mark and the QR code; no signature when none is configured
    assert any(f"http://localhost/verify/{certificate.verification_id}" in alt for alt in alts)

    facts = facts_table(tree)
    assert list(facts) == ["Opleiding", "Groep", "Bijgewoonde bijeenkomsten", "Afgerond op", "Netto opleidingsuren",
                           "Accreditatie", "Registratienummer", "Uitgegeven door", "Datum van uitgifte", "Geldig tot",
                           "Certificaatnummer"]
    assert facts["Certificaatnummer"] == certificate.number
    assert facts["Registratienummer"] == "123456"
    assert "Online dagdeel" in facts["Bijgewoonde bijeenkomsten"]
    # The sessions are the only list: no label or value is a list item of its own.
    assert len(tree.find("/LI")) == 3
    # One level-1 heading, the programme; the rule under it is no heading of its own.
    assert [h.text for h in tree.find("/H1")] == ["Basistraining welzijnscoach"]
    # The page number in the margin is left out of the tree; everything else is in it.
    assert "Cora Coach" in tree.text and certificate.number in tree.text
    # The spaced-out heading still reads as a word, not as letters.
    assert "CERTIFICAAT Basistraining" in tree.text


def test_pdf_speaks_the_holders_language_whoever_downloads_it(client, auth, coach, issue, staff):
    certificate = issue(coach)
    coach.locale = "en"
    db.session.commit()
    auth.login(staff)  # a Dutch-speaking member of staff
    data = client.get(f"/certificates/{certificate.id}.pdf").data
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.metadata.title.startswith(f"Certificate {certificate.number}")
    facts = facts_table(structure_tree(reader))
    assert list(facts)[:3] == ["Programme", "Group", "Sessions attended"]
    assert figures_without_alt(data) == []


def test_issuer_logo_and_signatory_come_from_the_settings(app, coach, issue, now, tmp_path):
    certificate = issue(coach)
    (tmp_path / "handtekening.svg").write_text(SIGNATURE_SVG)
    (tmp_path / "logo.svg").write_text(SIGNATURE_SVG.replace("#1a237e", "#00684a"))
    app.config.update(CERTIFICATE_LOGO=str(tmp_path / "logo.svg"),
                      CERTIFICATE_SIGNATURE_IMAGE=str(tmp_path / "handtekening.svg"),
                      CERTIFICATE_SIGNATORY_NAME="Jolanda de Vries",
                      CERTIFICATE_SIGNATORY_ROLE="Directeur", CERTIFICATE_SIGNATORY_ROLE_EN="Director")
    for language, role in (("nl", "Directeur"), ("en", "Director")):
        data = certificate_pdf(certificate, now, language)
        tree = structure_tree(PdfReader(io.BytesIO(data)))
        assert figures_without_alt(data) == []
        alts = [str(figure.obj["/Alt"]) for figure in tree.find("/Figure")]
        assert len(alts) == 3 and any("Jolanda de Vries" in alt for alt in alts)
        assert f"Jolanda de Vries {role}" in tree.text
        # A logo of one's own carries the name itself: the platform's name is not printed under it.
        assert "WELZIJNSCOACH ACADEMIE" not in tree.text.upper()


def test_image_paths_are_read_under_the_instance_folder_and_a_missing_one_is_logged(app, coach, issue, now,
                                                                                     tmp_path, caplog, monkeypatch):
    certificate = issue(coach)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    (tmp_path / "handtekening.svg").write_text(SIGNATURE_SVG)
    app.config.update(CERTIFICATE_SIGNATURE_IMAGE="handtekening.svg", CERTIFICATE_LOGO="logo-die-er-niet-is.png")
    with caplog.at_level(logging.WARNING, logger="lms.certificates.documents"):
        data = certificate_pdf(certificate, now)
    assert "CERTIFICATE_LOGO=logo-die-er-niet-is.png" in caplog.text
    tree = structure_tree(PdfReader(io.BytesIO(data)))
    alts = [str(figure.obj["/Alt"]) for figure in tree.find("/Figure")]
    assert len(alts) == 3  # the platform's mark instead of the missing logo, the signature, the QR code
    assert "Welzijnscoach Academie" in tree.text  # signed by the platform when nobody is named


@pytest.mark.parametrize("sessions", [3, 12])
def test_the_page_is_filled_and_one_page_long(app, coach, issue, now, make_programme, make_cohort, sessions):
    """The foot (signatory, QR code) sits at the bottom of the page, with a dozen sessions too."""
    programme = make_programme()
    for n in range(3, sessions):
        template = programme.session_templates[-1]
        programme.session_templates.append(SessionTemplate(
            kind=template.kind, title=f"Bijeenkomst {n}", start_time=template.start_time,
            duration_minutes=template.duration_minutes, day_offset=template.day_offset + 7 * n,
            net_hours=template.net_hours))
    db.session.commit()
    certificate = issue(coach, cohort=make_cohort(programme))
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate, now)))
    assert len(reader.pages) == 1
    # The lowest line of text, the verification address, is near the frame's foot: no empty lower third.
    lowest = min(y for text, y in text_heights(reader.pages[0]) if "/verify/" in text)
    assert lowest < 842 * 0.1, lowest
