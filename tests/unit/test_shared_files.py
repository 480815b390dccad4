"""Call notes from a shared file: which files are offered, where they count as the handoff's,
where the bot token may go, how bytes become text, and what the AE reads when a file won't do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.config import load_playbook
from bot.slack.shared_files import FileUnusable, Place, SharedFile, decode, may_send_token
from bot.slack.views import drafting
from bot.slack.views.drafting import DraftRef
from core.playbook import Playbook
from tests.unit.test_slack_views import BAIT, ROOT, assert_fits

REF = DraftRef(h="ho_1", step=2, pv="V1", ph="h1")
CHANNEL = "C0HANDOFF1"
THREAD = "1762095600.000100"


def file_object(**overrides: Any) -> dict[str, Any]:
    """A file object as files.list and files.info give it."""
    data: dict[str, Any] = {
        "id": "F0NOTES001", "created": 1762095700, "name": "call-notes.txt", "title": "Call notes",
        "mimetype": "text/plain", "filetype": "text", "pretty_type": "Plain Text", "mode": "hosted",
        "size": 1200, "url_private": "https://files.slack.com/files-pri/T1-F0NOTES001/call-notes.txt",
        "url_private_download": "https://files.slack.com/files-pri/T1-F0NOTES001/download/call-notes.txt",
        "channels": [CHANNEL], "groups": [], "ims": [],
        "shares": {"public": {CHANNEL: [{"ts": "1762095700.000200", "channel_name": "handoff-acme"}]}},
    }
    return data | overrides


@pytest.fixture(scope="module")
def shipped() -> Playbook:
    return load_playbook(ROOT / "app.yaml")


@pytest.mark.parametrize(("overrides", "offered"), [
    ({}, True),
    ({"name": "notes.md", "filetype": "markdown"}, True),
    ({"name": "kickoff.vtt", "mimetype": "text/vtt", "filetype": "vtt"}, True),
    ({"name": "kickoff.vtt", "mimetype": "text/vtt", "filetype": "auto"}, True),
    ({"name": "call.srt", "mimetype": "application/x-subrip", "filetype": "srt"}, True),
    ({"name": "Untitled", "mode": "snippet"}, True),  # a pasted snippet is text too
    ({"name": "seats.csv", "mimetype": "text/csv", "filetype": "csv"}, False),
    ({"name": "sync.py", "filetype": "python"}, False),  # code is text/plain, not call notes
    ({"name": "page.html", "mimetype": "text/html", "filetype": "html"}, False),
    ({"name": "deck.pdf", "mimetype": "application/pdf", "filetype": "pdf"}, False),
    ({"name": "notes.docx", "filetype": "docx"}, False),
    ({"name": "board.png", "mimetype": "image/png", "filetype": "png"}, False),
    ({"mode": "external", "filetype": "gdoc"}, False),
    ({"mode": "tombstone"}, False),
    ({"url_private_download": None, "url_private": None}, False),
])
def test_only_plain_text_markdown_and_transcripts_are_offered(overrides: dict[str, Any], offered: bool) -> None:
    assert SharedFile.of(file_object(**overrides), Place(CHANNEL)).is_text is offered


def test_in_a_shared_channel_only_files_of_the_handoffs_own_thread_count() -> None:
    channel_place, thread_place = Place(CHANNEL), Place(CHANNEL, THREAD)
    in_thread = file_object(shares={"public": {CHANNEL: [{"ts": "1.2", "thread_ts": THREAD}]}})
    other_thread = file_object(shares={"public": {CHANNEL: [{"ts": "1.3", "thread_ts": "1762000000.000001"}]}})
    top_level = file_object()
    assert all(channel_place.holds(f) for f in (in_thread, other_thread, top_level))
    assert thread_place.holds(in_thread)
    assert not thread_place.holds(other_thread) and not thread_place.holds(top_level)
    assert not thread_place.holds(file_object(shares={}))  # no word of a thread: not this handoff's
    private = file_object(channels=[], groups=[CHANNEL], shares={"private": {CHANNEL: [{"ts": "1.4"}]}})
    assert channel_place.holds(private)
    assert not Place("C0ELSEWHERE").holds(top_level)
    assert Place.of({"slack.channel": CHANNEL, "slack.thread_ts": THREAD}) == thread_place
    assert Place.of({"slack.channel": CHANNEL}) == channel_place and Place.of({}) is None
    assert SharedFile.of(top_level, channel_place).channel_name == "handoff-acme"


def test_the_bot_token_goes_only_to_slack_or_to_the_web_api_host() -> None:
    api = "https://slack.com/api/"
    assert may_send_token("https://files.slack.com/files-pri/T1-F1/download/a.txt", api)
    assert may_send_token("https://files.slack-gov.com/files-pri/T1-F1/a.txt", api)
    assert not may_send_token("http://files.slack.com/files-pri/T1-F1/a.txt", api)  # never in clear text
    assert not may_send_token("https://files.slack.com.evil.test/a.txt", api)
    assert not may_send_token("https://evil.test/slack.com/a.txt", api)
    assert not may_send_token("not a url", api)
    assert may_send_token("http://127.0.0.1:4000/files-pri/T1-F1/a.txt", "http://127.0.0.1:4000/api/")
    assert not may_send_token("http://127.0.0.1:4001/files-pri/T1-F1/a.txt", "http://127.0.0.1:4000/api/")


def test_bytes_become_text_whatever_their_encoding() -> None:
    assert decode("Café notes".encode()) == "Café notes"
    assert decode(b"\xef\xbb\xbfWith a BOM") == "With a BOM"
    assert decode("Windows notepad".encode("utf-16")) == "Windows notepad"
    assert decode(b"Caf\xe9 in Latin-1") == "Caf\ufffd in Latin-1"  # replaced, never refused


def test_the_form_offers_the_files_newest_first_and_still_fits_slack(shipped: Playbook) -> None:
    files = [SharedFile.of(file_object(id=f"F{n:09d}", name=f"call-{n}.txt", created=1762095700 - n),
                       Place(CHANNEL)) for n in range(120)]
    place = drafting.files_place("handoff-acme", thread=False)
    view = drafting.notes_modal(shipped, REF, files=files, place=place)
    assert_fits(view, "modal")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["notes_1"]["optional"]  # a file alone will do
    picker = blocks[drafting.FILE_BLOCK]
    assert picker["label"]["text"] == "Or use a file shared in #handoff-acme"
    assert [o["value"] for o in picker["element"]["options"]] == [f.id for f in files[:100]]
    assert "60,000 characters" in picker["hint"]["text"]
    assert "choose a file" in json.dumps(view)
    plain = drafting.notes_modal(shipped, REF)
    assert drafting.FILE_BLOCK not in json.dumps(plain) and not plain["blocks"][1]["optional"]
    assert drafting.files_place("handoffs", thread=True) == "this handoff's thread in #handoffs"
    assert drafting.files_place("", thread=False) == "the handoff channel"


def test_an_option_names_the_file_its_size_and_day_within_75_characters() -> None:
    long_name = SharedFile.of(file_object(name="Q4 expansion kickoff with Northwind Traders, full transcript, "
                                               "speakers labelled (final v3).txt", size=48_213), Place(CHANNEL))
    text = drafting.file_option_text(long_name)
    assert len(text) <= 75 and text.endswith(" · 47.1 KB · Nov 2") and "…" in text
    small = SharedFile.of(file_object(size=640), Place(CHANNEL))
    assert drafting.file_option_text(small) == "call-notes.txt · 640 B · Nov 2"


def test_the_picked_file_is_read_back_from_the_form() -> None:
    picked = {drafting.FILE_BLOCK: {"value": {"type": "static_select",
                                              "selected_option": {"text": {"type": "plain_text", "text": "a"},
                                                                  "value": "F0NOTES001"}}}}
    assert drafting.read_file_choice(picked) == "F0NOTES001"
    none = {drafting.FILE_BLOCK: {"value": {"type": "static_select", "selected_option": None}}}
    assert drafting.read_file_choice(none) is None and drafting.read_file_choice({}) is None


@pytest.mark.parametrize(("error", "words"), [
    (FileUnusable(FileUnusable.GONE, name="notes.txt"), "“notes.txt” is no longer in the handoff's channel"),
    (FileUnusable(FileUnusable.NOT_TEXT, name="deck.pdf", kind="PDF"),
     "“deck.pdf” is a PDF file; Baton reads text files (.txt, .md, .vtt, .srt)"),
    (FileUnusable(FileUnusable.TOO_LONG, name="all.txt", length=72_410, limit=60_000),
     "“all.txt” is 72,410 characters; Baton reads at most 60,000."),
    (FileUnusable(FileUnusable.TOO_LONG, name="all.txt", length=61_000, limit=60_000, with_pasted=True),
     "“all.txt” is 61,000 characters with your pasted notes; Baton reads at most 60,000."),
    (FileUnusable(FileUnusable.TOO_LONG, name="all.txt", length=3_500_000, limit=60_000, in_bytes=True),
     "“all.txt” is 3.3 MB, far more than the 60,000 characters Baton reads."),
    (FileUnusable(FileUnusable.EMPTY, name="blank.txt"), "“blank.txt” is empty."),
    (FileUnusable(FileUnusable.NOT_ALLOWED, name="notes.txt"), "Baton needs the files:read scope"),
    (FileUnusable(FileUnusable.UNREACHABLE), "Slack did not hand Baton the file just now"),
])
def test_every_file_problem_says_what_the_ae_can_do(error: FileUnusable, words: str) -> None:
    assert words in drafting.file_error(error)
    failure = drafting.failure_text(error)
    assert "Your packet is as you left it." in failure
    assert_fits(drafting.failure_view(REF, failure), "modal")


def test_a_file_name_cannot_ping_or_format_in_mrkdwn() -> None:
    failure = drafting.failure_text(FileUnusable(FileUnusable.EMPTY, name=BAIT))
    assert "<!channel>" not in failure and "*bold*" not in failure
    waiting = json.dumps(drafting.waiting_view(REF, characters=0, file=BAIT), ensure_ascii=False)
    assert "<!channel>" not in waiting and "Reading “" in waiting
