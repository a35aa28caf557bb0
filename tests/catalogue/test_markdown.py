"""Programme and cohort descriptions are Markdown, rendered by the app's one sanitising renderer."""

from __future__ import annotations

from lms.extensions import db
from lms.markdown import render_markdown


def test_descriptions_render_as_sanitised_markdown_on_the_public_cohort_page(client, make_cohort, make_programme):
    programme = make_programme()
    programme.description = ("Een training met **verdieping**.\n\n- online dagdeel\n- twee bijeenkomsten\n\n"
                             "# Opzet\n\n<script>alert(1)</script>[klik](javascript:alert(1))")
    cohort = make_cohort(programme, description="Neem je *eigen casus* mee.")
    body = client.get(f"/trainings/{cohort.id}").get_data(as_text=True)
    assert "Een training met <strong>verdieping</strong>." in body
    assert "<li>online dagdeel</li>" in body and "**" not in body
    assert "<h3>Opzet</h3>" in body  # under the page's "About the training" (h2)
    assert "Neem je <em>eigen casus</em> mee." in body
    assert "<script>alert" not in body and "href=\"javascript" not in body


def test_the_markdown_filter_is_the_core_renderer(app):
    assert app.jinja_env.filters["markdown"]("**x**") == render_markdown("**x**") == "<p><strong>x</strong></p>\n"
    assert render_markdown("# Kop") == "<h2>Kop</h2>\n"
    assert render_markdown("# Kop", top=3) == "<h3>Kop</h3>\n"
    assert render_markdown("###### Klein", top=3) == "<h6>Klein</h6>\n"
    assert render_markdown("") == "" and render_markdown(None) == ""


def test_an_empty_cohort_description_adds_nothing(client, make_cohort):
    cohort = make_cohort()
    cohort.description = ""
    db.session.commit()
    body = client.get(f"/trainings/{cohort.id}").get_data(as_text=True)
    assert body.count('<div class="prose">') == 1
