"""Small Block Kit constructors that apply Slack's limits once, so the views never exceed them.

Every function returns JSON-ready dicts (through slack_sdk's models, whose own validators are a
second line of defence). Text passed to the mrkdwn helpers must already be escaped; plain-text
helpers take raw user text, since Slack shows plain_text exactly as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.escape import truncate, truncate_mrkdwn

Block = dict[str, Any]

MODAL_BLOCKS_MAX = 100
MESSAGE_BLOCKS_MAX = 50
TITLE_MAX = 24
METADATA_MAX = 3000
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_MAX = 10
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
INPUT_MAX_LENGTH = 3000
LABEL_MAX = 2000
HINT_MAX = 2000
PLACEHOLDER_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25


def plain(text: str, limit: int) -> PlainTextObject:
    """A plain_text object: raw text is safe here, Slack never parses it."""
    return PlainTextObject(text=truncate(text.strip() or "—", limit), emoji=True)


def header(text: str) -> Block:
    return HeaderBlock(text=plain(text, HEADER_MAX)).to_dict()


def section(text: str, *, block_id: str | None = None, accessory: ButtonElement | None = None) -> Block:
    body = MarkdownTextObject(text=truncate_mrkdwn(text or " ", SECTION_TEXT_MAX))
    return SectionBlock(text=body, block_id=block_id, accessory=accessory).to_dict()


def field_sections(items: Sequence[str]) -> list[Block]:
    """mrkdwn fields, ten to a section block (Slack's cap), each cut to 2,000 characters."""
    texts = [MarkdownTextObject(text=truncate_mrkdwn(i or " ", FIELD_TEXT_MAX)) for i in items]
    return [
        SectionBlock(fields=texts[i : i + FIELDS_MAX]).to_dict()
        for i in range(0, len(texts), FIELDS_MAX)
    ]


def context(*texts: str, block_id: str | None = None) -> Block:
    elements = [MarkdownTextObject(text=truncate_mrkdwn(t, SECTION_TEXT_MAX)) for t in texts if t]
    return ContextBlock(elements=elements[:CONTEXT_ELEMENTS_MAX], block_id=block_id).to_dict()


def divider() -> Block:
    return DividerBlock().to_dict()


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> ButtonElement:
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError(f"button value of {len(value)} characters is over Slack's {BUTTON_VALUE_MAX}")
    return ButtonElement(text=plain(text, BUTTON_TEXT_MAX), action_id=action_id, value=value, style=style)


def actions(buttons: Sequence[ButtonElement], *, block_id: str) -> Block:
    return ActionsBlock(elements=list(buttons[:ACTIONS_ELEMENTS_MAX]), block_id=block_id).to_dict()


def option(text: str, value: str) -> Option:
    """An option for selects and checkboxes; the same inputs always give an equal object, which
    is what lets `initial_option` match one of `options` exactly."""
    if len(value) > OPTION_VALUE_MAX:
        raise ValueError(f"option value of {len(value)} characters is over Slack's {OPTION_VALUE_MAX}")
    return Option(text=plain(text, OPTION_TEXT_MAX), value=value)


def input_block(
    label: str, element: InputInteractiveElement, *, block_id: str, optional: bool,
    hint: str | None = None,
) -> Block:
    return InputBlock(
        label=plain(label, LABEL_MAX), element=element, block_id=block_id, optional=optional,
        hint=plain(hint, HINT_MAX) if hint else None,
    ).to_dict()


def placeholder(text: str | None) -> PlainTextObject | None:
    return plain(text, PLACEHOLDER_MAX) if text else None


def modal(
    *, title: str, blocks: Sequence[Block], callback_id: str, private_metadata: str = "",
    submit: str | None = None, close: str | None = "Close", notify_on_close: bool = False,
) -> Block:
    if len(private_metadata) > METADATA_MAX:
        raise ValueError(f"private_metadata of {len(private_metadata)} characters is over {METADATA_MAX}")
    view = View(
        type="modal", callback_id=callback_id, title=plain(title, TITLE_MAX),
        submit=plain(submit, TITLE_MAX) if submit else None,
        close=plain(close, TITLE_MAX) if close else None,
        blocks=list(blocks[:MODAL_BLOCKS_MAX]), private_metadata=private_metadata or None,
        notify_on_close=notify_on_close or None,
    )
    return view.to_dict()


def pack_lines(lines: Sequence[str], *, limit: int = SECTION_TEXT_MAX, sep: str = "\n") -> list[str]:
    """Join lines into as few texts as fit `limit` each; a line longer than `limit` is cut."""
    texts: list[str] = []
    current = ""
    for raw in lines:
        line = truncate_mrkdwn(raw, limit)
        if current and len(current) + len(sep) + len(line) > limit:
            texts.append(current)
            current = ""
        current = f"{current}{sep}{line}" if current else line
    if current:
        texts.append(current)
    return texts
