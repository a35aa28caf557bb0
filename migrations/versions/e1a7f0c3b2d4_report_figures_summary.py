"""reports: a summary of the figures per cohort and per region, marked stale by triggers on every change

Revision ID: e1a7f0c3b2d4
Revises: d41e7c5b9f20
Create Date: 2026-11-30 18:30:00.000000

The triggers mark a cohort in report_stale_cohort whenever something its figures rest on
changes, whichever code (or hand-written SQL) changes it; the app recomputes marked cohorts
when figures are read (lms/reports/summary.py). Every existing cohort starts marked.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a7f0c3b2d4'
down_revision = 'd41e7c5b9f20'
branch_labels = None
depends_on = None


# The cohorts a row's change can move, as SELECTs of cohort ids over the row (ROW stands
# for NEW or OLD). A coach's attendance counts for their own cohorts (a make-up counts for
# the cohort they are enrolled in); a session's or cohort's change moves its attendees' make-ups.
ENROLMENT_COHORTS = "SELECT ROW.cohort_id AS cohort_id"
COACH_COHORTS = "SELECT e.cohort_id AS cohort_id FROM enrolment e WHERE e.user_id = ROW.user_id"
CERTIFICATE_COHORTS = "SELECT e.cohort_id AS cohort_id FROM enrolment e WHERE e.id = ROW.enrolment_id"
SESSION_COHORTS = ("SELECT ROW.cohort_id AS cohort_id UNION SELECT e.cohort_id FROM attendance a "
                   "JOIN enrolment e ON e.user_id = a.user_id WHERE a.session_id = ROW.id")
COHORT_COHORTS = ("SELECT ROW.id AS cohort_id UNION SELECT e.cohort_id FROM \"session\" s "
                  "JOIN attendance a ON a.session_id = s.id JOIN enrolment e ON e.user_id = a.user_id "
                  "WHERE s.cohort_id = ROW.id")
USER_COHORTS = "SELECT e.cohort_id AS cohort_id FROM enrolment e WHERE e.user_id = ROW.id"

# (table, name, cohorts, columns whose update matters or None for insert/delete)
TRIGGERS = [
    ("enrolment", "enrolment", ENROLMENT_COHORTS, ("cohort_id", "user_id", "status")),
    ("attendance", "attendance", COACH_COHORTS, ("session_id", "user_id", "status")),
    ("certificate", "certificate", CERTIFICATE_COHORTS, ("enrolment_id", "revoked_at", "snapshot")),
    ("session", "session", SESSION_COHORTS, ("cohort_id", "template_id", "starts_at", "status")),
    ("cohort", "cohort", COHORT_COHORTS, ("programme_id", "region_id", "status")),
    ("user", "user", USER_COHORTS, ("municipality_id",)),
]
# Inserting a cohort or a user moves no figures (no enrolments yet).
NO_INSERT = {"cohort", "user"}
# Columns that PostgreSQL cannot compare (json): their update always marks.
UNCOMPARABLE = {"snapshot"}


def _events(table):
    events = ["UPDATE", "DELETE"]
    if table not in NO_INSERT:
        events.insert(0, "INSERT")
    return events


def _rows(event):
    return {"INSERT": ["NEW"], "UPDATE": ["OLD", "NEW"], "DELETE": ["OLD"]}[event]


def _selects(cohorts, event):
    return [cohorts.replace("ROW.", f"{row}.") for row in _rows(event)]


def _sqlite_trigger(table, name, cohorts, columns, event):
    trigger = f"report_stale_{name}_{event.lower()}"
    on = f"UPDATE OF {', '.join(columns)}" if event == "UPDATE" else event
    when = ""
    if event == "UPDATE":
        when = "WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    body = "".join(
        f"INSERT OR IGNORE INTO report_stale_cohort (cohort_id) "
        f"SELECT cohort_id FROM ({select}) AS changed WHERE cohort_id IS NOT NULL; "
        for select in _selects(cohorts, event)
    )
    return f'CREATE TRIGGER {trigger} AFTER {on} ON "{table}" FOR EACH ROW {when} BEGIN {body}END'


def _postgresql_trigger(table, name, cohorts, columns, event):
    function = f"report_stale_{name}_{event.lower()}"
    body = "".join(
        f"INSERT INTO report_stale_cohort (cohort_id) "
        f"SELECT cohort_id FROM ({select}) AS changed WHERE cohort_id IS NOT NULL "
        f"ON CONFLICT DO NOTHING; "
        for select in _selects(cohorts, event)
    )
    on = f"UPDATE OF {', '.join(columns)}" if event == "UPDATE" else event
    when = ""
    if event == "UPDATE" and not UNCOMPARABLE & set(columns):
        when = "WHEN (" + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns) + ")"
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}RETURN NULL; END $$",
        f'CREATE TRIGGER {function} AFTER {on} ON "{table}" FOR EACH ROW {when} EXECUTE FUNCTION {function}()',
    ]


def upgrade():
    op.create_table('report_stale_cohort',
    sa.Column('cohort_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('cohort_id', name=op.f('pk_report_stale_cohort'))
    )
    for name in ('report_cohort_figures', 'report_region_figures'):
        columns = [sa.Column('id', sa.Integer(), nullable=False)]
        if name == 'report_cohort_figures':
            columns.append(sa.Column('cohort_id', sa.Integer(), nullable=False))
        columns += [
            sa.Column('programme_id', sa.Integer(), nullable=False),
            sa.Column('region_id', sa.Integer(), nullable=False),
            sa.Column('municipality_id', sa.Integer(), nullable=True),
            sa.Column('position', sa.SmallInteger(), nullable=False),
        ]
        columns += [sa.Column(measure, sa.Integer(), server_default='0', nullable=False)
                    for measure in ('enrolled', 'waitlisted', 'completed', 'certified', 'attended', 'made_up')]
        op.create_table(name, *columns, sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(f'ix_{name}_programme_region', ['programme_id', 'region_id'], unique=False)
            if name == 'report_cohort_figures':
                batch_op.create_index(batch_op.f('ix_report_cohort_figures_cohort_id'), ['cohort_id'], unique=False)

    dialect = op.get_bind().dialect.name
    for table, name, cohorts, columns in TRIGGERS:
        for event in _events(table):
            if dialect == "postgresql":
                for statement in _postgresql_trigger(table, name, cohorts, columns, event):
                    op.execute(statement)
            else:
                op.execute(_sqlite_trigger(table, name, cohorts, columns, event))
    op.execute("INSERT INTO report_stale_cohort (cohort_id) SELECT id FROM cohort")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table, name, _cohorts, _columns in TRIGGERS:
        for event in _events(table):
            trigger = f"report_stale_{name}_{event.lower()}"
            if dialect == "postgresql":
                op.execute(f'DROP TRIGGER IF EXISTS {trigger} ON "{table}"')
                op.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table('report_region_figures')
    with op.batch_alter_table('report_cohort_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_report_cohort_figures_programme_region')
        batch_op.drop_index(batch_op.f('ix_report_cohort_figures_cohort_id'))
    op.drop_table('report_cohort_figures')
    op.drop_table('report_stale_cohort')
