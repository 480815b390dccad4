"""The `@Baton` commands, one list for the help reply and the app manifest's command menu."""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    title: str
    description: str  # Teams caps manifest command descriptions at 128 characters


COMMANDS: tuple[Command, ...] = (
    Command("help", "What Baton can do and how to ask"),
    Command("status", "Where a handoff stands: status [deal or account]"),
    Command("mine", "Handoffs waiting on you"),
    Command("overdue", "Handoffs past their due time"),
    Command("open", "Open a handoff by hand for a deal the CRM does not send: open [deal id]"),
    Command("metrics", "Handoff times and escalation rates"),
    Command("export", "Managers and RevOps: a period's metrics as a CSV file, in personal chat"),
)


def help_text() -> str:
    lines = ["Here is what I can do. Mention me in the handoffs channel or write to me directly:"]
    lines += [f"- **{c.title}**: {c.description}" for c in COMMANDS]
    return "\n".join(lines)
