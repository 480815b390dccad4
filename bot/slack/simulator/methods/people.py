"""Who is who: auth.test, users.*, usergroups.list, usergroups.users.list, team.info and api.test."""

from __future__ import annotations

from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.errors import SlackRefusal, missing
from bot.slack.simulator.methods.common import Handler
from bot.slack.simulator.methods.reading import page
from bot.slack.simulator.shapes import user_json
from bot.slack.simulator.state import Workspace


def auth_test(ws: Workspace, args: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot.name,
        "team_id": ws.team_id,
        "user_id": ws.bot.id,
        "bot_id": ws.bot.bot_id,
        "is_enterprise_install": False,
    }


def api_test(ws: Workspace, args: Args) -> dict[str, Any]:
    if args.text("error"):
        raise SlackRefusal(args.require("error"), extra={"args": args.values})
    return {"ok": True, "args": args.values}


def lookup_by_email(ws: Workspace, args: Args) -> dict[str, Any]:
    email = args.text("email")
    if email is None:
        raise missing("email")
    user = ws.user_by_email(email)
    if user is None or user.deleted:
        raise SlackRefusal("users_not_found")
    return {"ok": True, "user": user_json(ws, user)}


def info(ws: Workspace, args: Args) -> dict[str, Any]:
    user = ws.users.get(args.text("user") or "")
    if user is None:
        raise SlackRefusal("user_not_found")
    return {"ok": True, "user": user_json(ws, user)}


def list_users(ws: Workspace, args: Args) -> dict[str, Any]:
    chunk, cursor = page(list(ws.users.values()), args, default=1000, ceiling=1000)
    return {
        "ok": True,
        "members": [user_json(ws, u) for u in chunk],
        "cache_ts": int(ws.now()),
        "response_metadata": {"next_cursor": cursor},
    }


def usergroup_users(ws: Workspace, args: Args) -> dict[str, Any]:
    group = args.text("usergroup")
    if group is None:
        raise missing("usergroup")
    if group not in ws.usergroups:
        raise SlackRefusal("no_such_subteam")
    return {"ok": True, "users": list(ws.usergroups[group])}


def usergroup_list(ws: Workspace, args: Args) -> dict[str, Any]:
    """User groups with their handles; `include_users` adds the member ids, as Slack does."""
    with_users = args.flag("include_users")
    groups = []
    for group, members in ws.usergroups.items():
        handle = ws.usergroup_handles.get(group, group.lower())
        entry: dict[str, Any] = {"id": group, "team_id": ws.team_id, "handle": handle, "name": handle,
                                 "is_usergroup": True, "user_count": len(members)}
        if with_users:
            entry["users"] = list(members)
        groups.append(entry)
    return {"ok": True, "usergroups": groups}


def team_info(ws: Workspace, args: Args) -> dict[str, Any]:
    team = {
        "id": ws.team_id,
        "name": ws.team_name,
        "domain": ws.domain,
        "email_domain": "",
        "icon": {},
    }
    return {"ok": True, "team": team}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "api.test": api_test,
    "users.lookupByEmail": lookup_by_email,
    "users.info": info,
    "users.list": list_users,
    "usergroups.users.list": usergroup_users,
    "usergroups.list": usergroup_list,
    "team.info": team_info,
}
