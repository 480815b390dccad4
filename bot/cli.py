"""The `baton` command: serve, demo, check-config, config-schema, manifest, db upgrade, report, audit export."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.config import ConfigError, default_config_path, load_playbook, playbook_json_schema
from bot.platforms import default_platform, placement_problems, platform_of
from bot.settings import Settings
from core.playbook import Platform
from core.stages import stage_key


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baton", description="Sales-to-CS handoffs in Slack and Teams.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve HTTP on $PORT and run the scheduler")
    serve.set_defaults(run=_serve)

    demo = sub.add_parser("demo", help="run a whole handoff against a simulator; needs no accounts")
    demo.add_argument("--teams", action="store_true", help="against the Teams simulator (what works in Teams so far)")
    demo.set_defaults(run=_demo)

    check = sub.add_parser("check-config", help="validate a playbook (default $BATON_CONFIG or ./app.yaml)")
    check.add_argument("path", nargs="?", type=Path)
    check.set_defaults(run=_check_config)

    schema = sub.add_parser("config-schema", help="print the playbook's JSON Schema, for editors")
    schema.set_defaults(run=_config_schema)

    manifest = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--url", required=True, help="public base URL of this Baton, e.g. https://baton.example.com")
    manifest.add_argument("--socket-mode", action="store_true", help="for Socket Mode (no public URL needed)")
    manifest.set_defaults(run=_manifest)

    teams = sub.add_parser("teams-manifest", help="write the Teams app package (zip) for 'Upload a custom app'")
    teams.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (MicrosoftAppId)")
    teams.add_argument("--url", required=True, help="public https base URL of this Baton")
    teams.add_argument("--out", type=Path, default=Path("baton-teams.zip"), help="default: baton-teams.zip")
    teams.set_defaults(run=_teams_manifest)
    crm = sub.add_parser("crm", help="CRM connection")
    crm_sub = crm.add_subparsers(required=True, metavar="ACTION")
    crm_check = crm_sub.add_parser("check", help="try the CRM credentials and the app.yaml mapping live")
    crm_check.add_argument("--deal", help="a deal id to read (checks the read and the prefill mapping)")
    crm_check.add_argument("--owner-email", help="an email to look up as a CRM owner (default: the first CSM)")
    crm_check.set_defaults(run=_crm_check)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(required=True, metavar="ACTION")
    db_upgrade = db_sub.add_parser("upgrade", help="apply migrations to $DATABASE_URL")
    db_upgrade.set_defaults(run=_db_upgrade)

    from bot.reporting.cli import add_commands

    add_commands(sub)  # report, audit export
    return parser


def _check_config(args: argparse.Namespace) -> int:
    path = args.path or default_config_path()
    try:
        playbook = load_playbook(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print(f"\n{path}: {len(exc.problems)} problem(s); fix them and run `baton check-config` again.",
              file=sys.stderr)
        return 1
    configured = configured_platforms()
    if problems := placement_problems(playbook, path, configured):
        error = ConfigError(problems, source=str(path))
        print(error, file=sys.stderr)
        print(f"\n{path}: {len(problems)} problem(s) with where handoffs live; fix them and run "
              "`baton check-config` again.", file=sys.stderr)
        return 1
    print(f"{path} is valid: {len(playbook.segments)} segments, {len(playbook.sections)} sections, "
          f"{len(playbook.fields)} fields.")
    names = " and ".join(p.value.title() for p in sorted(configured)) or "no chat platform (demo only)"
    print(f"  chat: {names} configured; a segment that names no platform lives in "
          f"{default_platform(configured).value.title()}")
    stages = ", ".join(repr(s) for s in playbook.trigger_stages)
    keys = ", ".join(sorted({stage_key(s) for s in playbook.trigger_stages}))
    print(f"  a handoff starts when a deal reaches {stages} (matched ignoring case, spaces, "
          f"underscores and hyphens: {keys})")
    for seg in playbook.segments:
        required = playbook.required_fields(seg.id)
        where = platform_of(playbook, seg.id, configured)
        place = "thread" if where is Platform.TEAMS else seg.place.value
        print(f"  {seg.id}: handoff in a {where.value.title()} {place}, {len(required)} required fields, "
              f"CSM pool of {len(seg.csm_pool)}")
    return 0


def configured_platforms(env: Mapping[str, str] | None = None) -> set[Platform]:
    """The chat platforms this environment has credentials for (Teams config errors surface
    when `baton serve` starts; here an unusable Teams setup counts as not configured)."""
    from bot.teams.config import TeamsConfig, TeamsConfigError

    env = os.environ if env is None else env
    found = {Platform.SLACK} if env.get("SLACK_BOT_TOKEN") else set()
    try:
        if TeamsConfig.from_env(env) is not None:
            found.add(Platform.TEAMS)
    except TeamsConfigError:
        pass
    return found


def _config_schema(args: argparse.Namespace) -> int:
    print(json.dumps(playbook_json_schema(), indent=2))
    return 0


def _manifest(args: argparse.Namespace) -> int:
    from bot.manifest import manifest_yaml

    print(manifest_yaml(args.url, socket_mode=args.socket_mode), end="")
    return 0


def _teams_manifest(args: argparse.Namespace) -> int:
    from bot.teams.manifest import ManifestError, package

    try:
        data = package(args.app_id, args.url)
    except ManifestError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes): upload it in Teams under Apps > Manage your apps > Upload an app")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    print(f"database is at the latest schema ({_safe_url(settings.database_url)})")
    return 0


def _crm_check(args: argparse.Namespace) -> int:
    import asyncio

    from bot.crm.check import check_crm

    settings = Settings.from_env()
    try:
        playbook = load_playbook(settings.config_path or default_config_path())
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    return asyncio.run(check_crm(settings, playbook, deal_id=args.deal, owner_email=args.owner_email, say=print))


def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from bot.bootstrap import bootstrap
    from bot.serve import serve
    from bot.teams.config import TeamsConfig, TeamsConfigError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    try:
        teams = TeamsConfig.from_env()
    except TeamsConfigError as exc:
        print(f"baton: refusing to serve Teams: {exc}", file=sys.stderr)
        return 2
    try:
        baton = bootstrap(settings, teams=teams)
    except ConfigError as exc:
        print(f"baton: refusing to start, the playbook is invalid:\n{exc}", file=sys.stderr)
        return 2
    if settings.slack_bot_token is not None:
        from bot.slack.credentials import SlackCredentialsError, check_slack_credentials

        try:
            asyncio.run(check_slack_credentials(
                api_url=settings.slack_api_url, bot_token=settings.slack_bot_token.get_secret_value()))
            asyncio.run(serve(baton))
        except SlackCredentialsError as exc:
            print(f"baton: refusing to start: {exc}", file=sys.stderr)
            return 2
        return 0
    asyncio.run(serve(baton))
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.teams:
        from bot.teams.demo import run_teams_demo

        return run_teams_demo(sys.stdout)
    from bot.demo import run_demo

    return run_demo(sys.stdout)


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    raise SystemExit(main())
