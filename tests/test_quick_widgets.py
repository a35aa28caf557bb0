"""The filter forms' quicker widgets write exactly what WTForms' own write."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField
from wtforms.widgets import DateInput, Select
from wtforms.widgets.core import html_params as wtforms_html_params

from lms.forms import DayField, QuickDateInput, QuickSelect, html_params


@pytest.mark.parametrize("kwargs", [
    {},
    {"id": "x", "name": "y", "value": ""},
    {"value": 'a "quoted" <b>&</b>', "class_": "c", "for_": "f"},
    {"data_hx_get": "/a?b=1&c=2", "aria_describedby": "x-error", "aria_invalid": "true"},
    {"required": True, "disabled": False, "selected": True, "value": 0},
    {"value": None, "title": Markup('<i>"safe"</i>')},
])
def test_html_params_is_wtforms_text(kwargs):
    assert html_params(**kwargs) == wtforms_html_params(**kwargs)


class _Form(Form):
    plain = SelectField(choices=[("", "All"), ("a", "<A & b>"), ("b", ""), ("c", Markup("<i>c</i>"))])
    lazy = SelectField(choices=[("", _l("All statuses")), ("open", _l("Open for enrolment"))])
    flags = SelectField(choices=[(True, "yes"), (False, "no")], coerce=lambda v: v in (True, "True"))
    day = DayField()


@pytest.mark.parametrize("data", [{}, {"plain": "a", "lazy": "open", "flags": "True", "day": "2027-03-01"},
                                  {"plain": "zz", "day": "geen datum"}])
def test_quick_widgets_write_what_wtforms_writes(app, data):
    with app.test_request_context(), force_locale("nl"):
        form = _Form(MultiDict(data))
        form.validate()
        for name in ("plain", "lazy", "flags"):
            field = form[name]
            for extra in ({}, {"aria_invalid": "true", "aria_describedby": f"{name}-error"}):
                assert QuickSelect()(field, **extra) == Select()(field, **extra)
        assert "Open voor inschrijving" in QuickSelect()(form.lazy)
        assert QuickDateInput()(form.day) == DateInput()(form.day)
        assert QuickDateInput()(form.day, required=True) == DateInput()(form.day, required=True)
