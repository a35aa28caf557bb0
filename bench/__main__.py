"""`make bench`: national-scale data, gunicorn with several workers, load from wrk on loopback.

Measures, in one run, for /healthz (the framework's own ceiling on this machine) and the
key pages: requests per second, p50/p95/p99 latency, error rate and response size at 1, 8
and 32 concurrent clients, the peak memory of each worker, and the SQL statements each
page sends. Writes a Markdown report to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
SECRET = "bench-secret-key-not-for-production"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's wrk package (the load generator)...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
    if not path:
        sys.exit("ERROR: wrk is not installed; install Debian's 'wrk' package (apt-get install wrk).")
    return path


def app_config(database_url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": SECRET,
        "LMS_ENV": "production",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "MAIL_BACKEND": "none",
        "MAIL_DELIVER_AFTER_REQUEST": False,
        "BASE_URL": "http://127.0.0.1",
    }


def server_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "LMS_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": "false",
        "MAIL_BACKEND": "none",
        "LOG_LEVEL": "WARNING",
        # The load comes from one address: lift the per-address limits for the measurement.
        "VERIFY_LIMIT": "1000000 per minute",
        "CALENDAR_LIMIT": "1000000 per minute",
        "LOGIN_LIMIT_ADDRESS": "1000000 per minute",
    })
    return env


# Requests ------------------------------------------------------------------------------


def session_cookie(app, user_token: str) -> tuple[str, str]:
    """A signed session cookie for a user, and the CSRF token that goes with it."""
    import hashlib

    from itsdangerous import URLSafeTimedSerializer

    raw = hashlib.sha1(user_token.encode()).hexdigest()
    data = {"_user_id": user_token, "_fresh": True, "csrf_token": raw}
    cookie = app.session_interface.get_signing_serializer(app).dumps(data)
    csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)
    return cookie, csrf


def plan(app, data) -> list[dict]:
    """Every measured page: a name, a method and path, and who asks."""
    import sqlalchemy as sa

    from lms.auth.models import User
    from lms.calendar.services import issue_token
    from lms.extensions import db

    def token_of(user_id: int) -> str:
        return db.session.execute(sa.select(User.session_token).where(User.id == user_id)).scalar_one()

    with app.app_context():
        staff = session_cookie(app, token_of(data.staff_id))
        coach = session_cookie(app, token_of(data.coach_id))
        feed_token = issue_token(db.session.get(User, data.feed_trainer_id), data.now)
        db.session.commit()
        enrol_lines = []
        for n, coach_id in enumerate(data.enrol_coach_ids):
            cookie, csrf = session_cookie(app, token_of(coach_id))
            cohort_id = data.open_cohort_ids[n % len(data.open_cohort_ids)]
            enrol_lines.append(("POST", f"/trainings/{cohort_id}/enrol", cookie, csrf))
        views = set(app.view_functions)

    pages = [
        {"name": "/healthz (baseline)", "lines": [("GET", "/healthz", "", "")]},
        {"name": "catalogue", "lines": [("GET", "/trainings", "", "")]},
        {"name": "coach start page", "lines": [("GET", "/", *coach)]},
    ]
    if "learning.index" in views:
        pages.append({"name": "learning page", "lines": [("GET", "/learn", *coach)]})
    pages += [
        {"name": "staff cohort list", "lines": [("GET", "/staff/cohorts", *staff)]},
        {"name": "cohort roster", "lines": [("GET", f"/staff/cohorts/{data.roster_cohort_id}/roster", *staff)]},
    ]
    if "reports.index" in views:
        pages.append({"name": "region dashboard", "lines": [("GET", f"/reports/?region={data.region_id}", *staff)]})
    if "reports.export_csv" in views:
        pages.append({"name": "CSV export", "lines": [("GET", f"/reports/export.csv?region={data.region_id}", *staff)]})
    else:
        pages.append({"name": "CSV export (roster)",
                      "lines": [("GET", f"/staff/cohorts/{data.roster_cohort_id}/roster.csv", *staff)]})
    pages += [
        {"name": "calendar feed (≈200 events)", "lines": [("GET", f"/calendar/{feed_token}.ics", "", "")]},
        {"name": "certificate verification", "lines": [("GET", f"/verify/{data.verification_id}", "", "")]},
        {"name": "certificate PDF", "lines": [("GET", f"/certificates/{data.certificate_id}.pdf", *coach)]},
        {"name": "enrol (POST)", "lines": enrol_lines},
    ]
    return pages


# Measuring -----------------------------------------------------------------------------


def count_statements(app, pages: list[dict]) -> dict[str, int]:
    """SQL statements per request, from the engine's events, after one warm-up request."""
    import sqlalchemy as sa

    from lms.extensions import db

    counts = {}
    for page in pages:
        method, path, cookie, csrf = page["lines"][0]
        if method == "POST":
            method, path, cookie, csrf = page["lines"][-1]
        client = app.test_client()
        if cookie:
            client.set_cookie("session", cookie, domain="localhost")
        headers = {"X-CSRFToken": csrf} if csrf else {}
        if method == "GET":
            client.open(path, method=method, headers=headers)  # warm up caches and pools
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            response = client.open(path, method=method, headers=headers)
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
        if response.status_code >= 400:
            raise SystemExit(f"{page['name']}: {method} {path} answered {response.status_code}")
        counts[page["name"]] = len(statements)
        if os.environ.get("BENCH_SHOW_SQL") == page["name"]:
            print("\n---", page["name"], len(statements))
            for statement in statements:
                print("   ", " ".join(statement.split())[:160])
    return counts


def run_wrk(wrk: str, base: str, page: dict, clients: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as fh:
        for line in page["lines"]:
            fh.write("\t".join(line) + "\n")
        lines_file = fh.name
    threads = min(clients, 2)
    cmd = [wrk, f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", str(WRK_SCRIPT),
           base, "--", lines_file]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    os.unlink(lines_file)
    drain(base)
    for line in out.stdout.splitlines():
        if line.startswith("JSON"):
            result = json.loads(line[4:])
            break
    else:
        raise SystemExit(f"wrk gave no result for {page['name']}:\n{out.stdout}\n{out.stderr}")
    seconds_run = result["duration_us"] / 1e6
    errors = result["connect"] + result["read"] + result["write"] + result["status"] + result["timeout"]
    done = result["requests"]
    return {
        "rps": done / seconds_run if seconds_run else 0.0,
        "p50": result["p50"] / 1000, "p95": result["p95"] / 1000, "p99": result["p99"] / 1000,
        "errors": errors / (done + errors) if done + errors else 0.0,
        "size": result["bytes"] / done if done else 0,
        "requests": done,
    }


def drain(base: str, timeout: float = 60.0) -> None:
    """Wait until the server has worked off requests left over from the last measurement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=10).read()
        except OSError:
            pass
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.2)


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def peak_memory_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}"


# The run -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite instead of DATABASE_URL (PostgreSQL)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--seconds", type=int, default=5, help="duration of each measurement")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--small", action="store_true", help="a small dataset, to try the benchmark quickly")
    args = parser.parse_args(argv)

    wrk = ensure_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    if args.sqlite:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url.startswith("postgresql"):
            sys.exit("ERROR: DATABASE_URL must point at PostgreSQL (make bench starts one), or use --sqlite.")
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from bench.dataset import Scale, build
    from lms import create_app
    from lms.extensions import db

    app = create_app(app_config(database_url))
    scale = Scale(coaches=1000, cohorts=60, enrolments=5000, attendance=15000, certificates=500) if args.small else Scale()
    started = time.monotonic()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(directory=str(ROOT / "migrations"))
        data = build(datetime.now(timezone.utc), seed=args.seed, scale=scale)
        database_version = db.session.execute(db.text(
            "SELECT version()" if db.engine.dialect.name == "postgresql" else "SELECT 'SQLite ' || sqlite_version()"
        )).scalar()
    built = time.monotonic() - started
    print(f"dataset built in {built:.1f} s: {data.counts}", flush=True)

    pages = plan(app, data)
    statements = count_statements(app, [p for p in pages if not p["name"].startswith("enrol")]) | \
        count_statements(app, [p for p in pages if p["name"].startswith("enrol")])

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=server_env(database_url),
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not come up")
        clients = [int(c) for c in args.clients.split(",")]
        results: dict[str, dict[int, dict]] = {}
        for page in pages:
            results[page["name"]] = {}
            for n in clients:
                results[page["name"]][n] = run_wrk(wrk, base, page, n, args.seconds)
                r = results[page["name"]][n]
                print(f"{page['name']:<30} {n:>3} clients {r['rps']:>8.1f} req/s  p50 {r['p50']:.1f} ms  "
                      f"p95 {r['p95']:.1f} ms  p99 {r['p99']:.1f} ms  errors {r['errors']:.1%}", flush=True)
        memory = {pid: peak_memory_mib(pid) for pid in worker_pids(server.pid)}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    report = render(results, statements, memory, clients, args, data, database_version, built)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    kind = "sqlite" if args.sqlite else "postgresql"
    (RESULTS / f"{stamp}-{kind}.md").write_text(report)
    (RESULTS / f"latest-{kind}.md").write_text(report)
    print(report)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def render(results, statements, memory, clients, args, data, database_version, built) -> str:
    baseline = results["/healthz (baseline)"]
    lines = [
        f"# Benchmark, {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"- Machine: {machine()}",
        f"- Database: {database_version.split(',')[0]}; gunicorn with {args.workers} sync workers; "
        f"load from wrk on loopback, {args.seconds} s per measurement",
        f"- Data (seed {args.seed}): " + ", ".join(f"{v:,} {k}" for k, v in data.counts.items())
        + f"; built in {built:.0f} s",
        "- Throughput is also given as a share of `/healthz` at the same number of clients, measured in this run.",
        "",
        "| page | SQL/req | clients | req/s | × healthz | p50 ms | p95 ms | p99 ms | errors | bytes/resp |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, by_clients in results.items():
        for n in clients:
            r = by_clients[n]
            ratio = r["rps"] / baseline[n]["rps"] if baseline[n]["rps"] else 0.0
            lines.append(
                f"| {name} | {statements.get(name, '')} | {n} | {r['rps']:.1f} | {ratio:.2f} | {r['p50']:.1f} | "
                f"{r['p95']:.1f} | {r['p99']:.1f} | {r['errors']:.1%} | {r['size']:,.0f} |"
            )
    lines += ["", "Peak memory per worker (VmHWM): "
              + ", ".join(f"{mib:.0f} MiB" for mib in memory.values()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
