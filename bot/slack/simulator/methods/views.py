"""views.*: modals (open, push, update) and the App Home tab (publish).

A `trigger_id` is good only if the simulator issued it (`SlackSimulator.issue_trigger_id`,
as Slack does with each interaction), only for 3 seconds, and only once. A modal stack holds
at most 3 views. A bad view payload is `invalid_arguments` with Slack's pointer messages.
"""

from __future__ import annotations

from typing import Any

from bot.slack.simulator.args import Args
from bot.slack.simulator.blocks import check_view, with_ids
from bot.slack.simulator.errors import SlackRefusal, missing
from bot.slack.simulator.methods.common import Handler
from bot.slack.simulator.shapes import view_json
from bot.slack.simulator.state import View, Workspace

TRIGGER_LIFETIME = 3.0
STACK_MAX = 3


def _payload(ws: Workspace, args: Args, *, expect: str, keep: View | None = None) -> dict[str, Any]:
    view = args.json("view")
    if view is None:
        raise missing("view")
    problems = check_view(view, expect=expect)
    if problems:
        raise SlackRefusal("invalid_arguments", messages=problems)
    external_id = view.get("external_id")
    if external_id:
        holder = ws.view_by_external_id(external_id)
        if holder is not None and holder is not keep:
            raise SlackRefusal("duplicate_external_id")
    return {**view, "blocks": with_ids(view["blocks"])}


def _exchange(ws: Workspace, args: Args) -> str:
    """The user a trigger belongs to, spending the trigger."""
    trigger_id = args.text("trigger_id")
    if trigger_id is None:
        raise missing("trigger_id")
    trigger = ws.triggers.get(trigger_id)
    if trigger is None:
        raise SlackRefusal("invalid_trigger_id")
    if trigger.used:
        raise SlackRefusal("exchanged_trigger_id")
    if ws.now() - trigger.issued_at > TRIGGER_LIFETIME:
        raise SlackRefusal("expired_trigger_id")
    return trigger.user


def _new_view(ws: Workspace, user: str, payload: dict[str, Any], root: str | None) -> View:
    view_id = ws.mint("V")
    view = View(view_id, user, payload, ws.view_hash(), root or view_id)
    ws.views[view_id] = view
    return view


def open_modal(ws: Workspace, args: Args) -> dict[str, Any]:
    user = _exchange(ws, args)
    payload = _payload(ws, args, expect="modal")
    for old in ws.stacks.pop(user, []):
        ws.views.pop(old, None)
    ws.triggers[args.require("trigger_id")].used = True
    view = _new_view(ws, user, payload, None)
    ws.stacks[user] = [view.id]
    return {"ok": True, "view": view_json(ws, view)}


def push(ws: Workspace, args: Args) -> dict[str, Any]:
    user = _exchange(ws, args)
    payload = _payload(ws, args, expect="modal")
    stack = ws.stacks.get(user, [])
    if not stack:
        raise SlackRefusal(
            "invalid_arguments", messages=["no open view to push onto [json-pointer:/trigger_id]"]
        )
    if len(stack) >= STACK_MAX:
        raise SlackRefusal("push_limit_reached")
    ws.triggers[args.require("trigger_id")].used = True
    view = _new_view(ws, user, payload, stack[0])
    view.previous_view_id = stack[-1]
    stack.append(view.id)
    return {"ok": True, "view": view_json(ws, view)}


def update(ws: Workspace, args: Args) -> dict[str, Any]:
    view_id, external_id = args.text("view_id"), args.text("external_id")
    if view_id is None and external_id is None:
        raise missing("view_id")
    view = ws.views.get(view_id) if view_id else ws.view_by_external_id(external_id or "")
    if view is None:
        raise SlackRefusal("not_found")
    given_hash = args.text("hash")
    if given_hash is not None and given_hash != view.hash:
        raise SlackRefusal("hash_conflict")
    view.payload = _payload(ws, args, expect=view.type, keep=view)
    view.hash = ws.view_hash()
    return {"ok": True, "view": view_json(ws, view)}


def publish(ws: Workspace, args: Args) -> dict[str, Any]:
    user_id = args.text("user_id")
    if user_id is None:
        raise missing("user_id")
    if user_id not in ws.users or ws.users[user_id].is_bot:
        raise SlackRefusal("invalid_arguments", messages=["invalid `user_id`"])
    current = ws.views.get(ws.homes.get(user_id, ""))
    given_hash = args.text("hash")
    if given_hash is not None and current is not None and given_hash != current.hash:
        raise SlackRefusal("hash_conflict")
    payload = _payload(ws, args, expect="home", keep=current)
    if current is None:
        current = _new_view(ws, user_id, payload, None)
        ws.homes[user_id] = current.id
    else:
        current.payload, current.hash = payload, ws.view_hash()
    return {"ok": True, "view": view_json(ws, current)}


HANDLERS: dict[str, Handler] = {
    "views.open": open_modal,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}


def apply_answer(ws: Workspace, user: str, view_id: str, answer: Any) -> list[str]:
    """Do what Slack's client does with an app's answer to a `view_submission`.

    An empty answer closes the submitted view (the one beneath shows again); `errors` keeps it
    open (each key must be an input block of the view); `update` replaces it in place; `push`
    stacks a new view (3 at most); `clear` closes the whole stack. Returns the problems Slack
    would refuse the answer for, and changes nothing then.
    """
    stack = ws.stacks.get(user, [])
    if view_id not in stack:
        return [f"view {view_id} is not open for {user}"]
    body = answer if isinstance(answer, dict) else {}
    action = body.get("response_action")
    if action is None:
        _close(ws, stack, view_id)
        return []
    if action == "clear":
        _close(ws, stack, stack[0])
        return []
    if action == "errors":
        inputs = {
            b.get("block_id")
            for b in ws.views[view_id].payload.get("blocks", [])
            if b.get("type") == "input"
        }
        errors = body.get("errors")
        if not isinstance(errors, dict) or not errors:
            return ["`errors` must be an object of block_id: message"]
        return [
            f"`errors` names {key!r}, which is no input block of the view"
            for key in errors
            if key not in inputs
        ]
    if action not in ("update", "push"):
        return [f"unknown response_action {action!r}"]
    problems = check_view(body.get("view"), expect="modal")
    if problems:
        return problems
    payload = {**body["view"], "blocks": with_ids(body["view"]["blocks"])}
    if action == "update":
        ws.views[view_id].payload, ws.views[view_id].hash = payload, ws.view_hash()
    elif len(stack) >= STACK_MAX:
        return ["push_limit_reached"]
    else:
        pushed = _new_view(ws, user, payload, stack[0])
        pushed.previous_view_id = stack[-1]
        stack.append(pushed.id)
    return []


def _close(ws: Workspace, stack: list[str], view_id: str) -> None:
    """Close `view_id` and every view pushed above it."""
    for closed in stack[stack.index(view_id) :]:
        ws.views.pop(closed, None)
    del stack[stack.index(view_id) :]
