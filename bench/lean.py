"""The lean reference for `make bench`: what a page costs on this stack with nothing extra.

A tiny Flask app on the same stack as the platform (Flask, SQLAlchemy Core, Jinja, psycopg,
gunicorn), reading the platform's own tables. ``/catalogue`` renders a catalogue-like page
(the 25 open cohorts that start first, each with its sessions in local time, about 18 KB)
in two queries; ``/hello`` is bare Flask. Every page of the platform is reported as a
ratio to these two, measured in the same run on the same machine.

Run by the benchmark as ``gunicorn bench.lean:app`` with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

LOCAL = ZoneInfo("Europe/Amsterdam")
PAGE_SIZE = 25

metadata = sa.MetaData()
cohort = sa.Table(
    "cohort", metadata, sa.Column("id", sa.Integer), sa.Column("title", sa.String), sa.Column("status", sa.String),
    sa.Column("capacity", sa.Integer), sa.Column("seats_taken", sa.Integer), sa.Column("starts_at", sa.DateTime),
    sa.Column("enrol_closes_at", sa.DateTime), sa.Column("programme_id", sa.Integer), sa.Column("region_id", sa.Integer),
    sa.Column("municipality_id", sa.Integer),
)
session = sa.Table(
    "session", metadata, sa.Column("id", sa.Integer), sa.Column("cohort_id", sa.Integer),
    sa.Column("title", sa.String), sa.Column("kind", sa.String), sa.Column("status", sa.String),
    sa.Column("starts_at", sa.DateTime), sa.Column("ends_at", sa.DateTime), sa.Column("address", sa.String),
)
programme = sa.Table("programme", metadata, sa.Column("id", sa.Integer), sa.Column("title", sa.String))
region = sa.Table("region", metadata, sa.Column("id", sa.Integer), sa.Column("name", sa.String))
municipality = sa.Table("municipality", metadata, sa.Column("id", sa.Integer), sa.Column("name", sa.String))

PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Trainingen</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Trainingen</h1>
<p>{{ cohorts|length }} groepen gevonden</p>
{% for c in cohorts %}
<article class="cohort-card">
  <header><h2><a href="/trainings/{{ c.id }}">{{ c.title }}</a></h2>
  <p class="muted">{{ c.programme }} · {{ c.region }}{% if c.municipality %}, gemeente {{ c.municipality }}{% endif %}</p></header>
  <ol class="session-list">
  {% for s in sessions.get(c.id, []) %}
    <li class="session{% if s.status == 'cancelled' %} session-cancelled{% endif %}">
      <span class="session-when">{{ local(s.starts_at).strftime('%a %d %b %Y, %H:%M') }}–{{ local(s.ends_at).strftime('%H:%M') }}</span>
      <span class="session-title">{{ s.title }}</span>
      <span class="session-where">{{ s.address or 'Online' }}<br><a class="small-link" href="/sessions/{{ s.id }}.ics">Zet in agenda<span class="visually-hidden">: {{ s.title }}</span></a></span>
    </li>
  {% endfor %}
  </ol>
  <footer><span class="seats">{{ c.capacity - c.seats_taken }} van {{ c.capacity }} plaatsen vrij</span>
  {% if c.enrol_closes_at %}<small class="muted">Inschrijven tot {{ local(c.enrol_closes_at).strftime('%d %b %Y') }}</small>{% endif %}
  <a href="/trainings/{{ c.id }}" class="card-link">Meer over deze groep<span class="visually-hidden">: {{ c.title }}</span></a></footer>
</article>
{% endfor %}
</main></body></html>"""


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(LOCAL)


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    url = database_url or os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # The app's planner setting (PG_RANDOM_PAGE_COST, lms/config.py), so both plan alike; it does
    # not change this page's two plans.
    engine = sa.create_engine(url, pool_pre_ping=True, connect_args={"options": "-c random_page_cost=1.1"})
    template = app.jinja_env.from_string(PAGE)

    @app.get("/hello")
    def hello():
        return "hello"

    @app.get("/catalogue")
    def catalogue():
        with engine.connect() as conn:
            cohorts = conn.execute(
                sa.select(cohort.c.id, cohort.c.title, cohort.c.capacity, cohort.c.seats_taken,
                          cohort.c.enrol_closes_at, programme.c.title.label("programme"),
                          region.c.name.label("region"), municipality.c.name.label("municipality"))
                .join(programme, programme.c.id == cohort.c.programme_id)
                .join(region, region.c.id == cohort.c.region_id)
                .outerjoin(municipality, municipality.c.id == cohort.c.municipality_id)
                .where(cohort.c.status == "open")
                .order_by(cohort.c.starts_at, cohort.c.id)
                .limit(PAGE_SIZE)
            ).all()
            rows = conn.execute(
                sa.select(session).where(session.c.cohort_id.in_([c.id for c in cohorts]))
                .order_by(session.c.starts_at)
            ).all()
        sessions: dict[int, list] = {}
        for row in rows:
            sessions.setdefault(row.cohort_id, []).append(row)
        return template.render(cohorts=cohorts, sessions=sessions, local=_local)

    return app


app = create_app() if "DATABASE_URL" in os.environ else None
