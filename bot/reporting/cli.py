"""`baton report` and `baton audit export`: the metrics and the audit trail, out of Baton."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta

from bot.config import default_config_path, load_playbook
from bot.settings import Settings


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="metrics for a period as CSV, JSON or a PNG chart")
    _period(report)
    report.add_argument("--format", choices=("csv", "json", "png"), default="csv")
    report.add_argument("--segment", action="append", default=[], help="only this segment (repeatable)")
    report.add_argument("--out", help="write to this file instead of standard output")
    report.set_defaults(run=run_report)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(required=True, metavar="ACTION")
    export = audit_sub.add_parser("export", help="audit entries of a period as JSON lines, oldest first")
    _period(export)
    export.add_argument("--out", help="write to this file instead of standard output")
    export.set_defaults(run=run_audit_export)


def _period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", required=True, type=_day, help="first day, YYYY-MM-DD (UTC)")
    parser.add_argument("--to", dest="end", required=True, type=_day, help="last day, YYYY-MM-DD (UTC, included)")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write it like 2026-11-30") from None


def _bounds(args: argparse.Namespace) -> tuple[datetime, datetime] | None:
    """[from 00:00 UTC, the day after `to` 00:00 UTC), or None (after saying why) when reversed."""
    if args.end < args.start:
        print(f"baton: --to {args.end} is before --from {args.start}", file=sys.stderr)
        return None
    start = datetime.combine(args.start, time(), UTC)
    return start, datetime.combine(args.end + timedelta(days=1), time(), UTC)


def run_report(args: argparse.Namespace) -> int:
    from bot.reporting.charts import render_digest
    from bot.reporting.data import digest_data, overdue_owners, report_rows
    from bot.reporting.export import metrics_csv, metrics_json
    from bot.sla import SlaRuntime
    from core.clock import SystemClock
    from storage.engine import make_engine
    from storage.metrics_sql import Scope

    bounds = _bounds(args)
    if bounds is None:
        return 2
    settings = Settings.from_env()
    playbook = load_playbook(settings.config_path or default_config_path())
    known = {s.id for s in playbook.segments}
    unknown = [s for s in args.segment if s not in known]
    if unknown:
        print(f"baton: unknown segment {', '.join(unknown)}; the playbook has {', '.join(sorted(known))}",
              file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    scope = Scope(segments=tuple(args.segment))
    start, end = bounds
    try:
        if args.format == "png":
            sla = SlaRuntime.build(engine=engine, playbook=playbook, clock=SystemClock())
            label = f"{args.start} to {args.end}"
            data = digest_data(engine, start=start, end=end, label=label, thresholds=playbook.thresholds,
                               scope=scope, overdue_owners=overdue_owners(sla))
            return _write(args.out, render_digest(data).png)
        rows = report_rows(engine, start, end, thresholds=playbook.thresholds, scope=scope)
        text = metrics_csv(rows) if args.format == "csv" else metrics_json(rows, start=start, end=end)
        return _write(args.out, text.encode())
    finally:
        engine.dispose()


def run_audit_export(args: argparse.Namespace) -> int:
    from bot.reporting.export import audit_lines
    from storage.engine import make_engine

    bounds = _bounds(args)
    if bounds is None:
        return 2
    engine = make_engine(Settings.from_env().database_url)
    try:
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
        try:
            for line in audit_lines(engine, *bounds):
                out.write(line + "\n")
        finally:
            if args.out:
                out.close()
    finally:
        engine.dispose()
    return 0


def _write(path: str | None, data: bytes) -> int:
    if path:
        with open(path, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0
