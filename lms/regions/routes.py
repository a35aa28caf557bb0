from flask import request

from lms.auth.forms import RegisterForm
from lms.forms import optional_int
from lms.htmx import render
from lms.regions import bp
from lms.regions.services import fill_place_choices


@bp.get("/regions/municipality-options")
def municipality_options():
    """The municipality select for the chosen region (htmx swaps it in)."""
    region_id = optional_int(request.args.get("region_id"))
    form = RegisterForm(meta={"csrf": False}, formdata=None)
    fill_place_choices(form, region_id=region_id if region_id and region_id > 0 else None)
    return render("regions/_municipality_select.html", "regions/_municipality_select.html", form=form)
