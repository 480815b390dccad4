"""The OpenAI adapter end to end: the real `openai` client against a local OpenAI-compatible
server, through Baton's checks, for good answers and for every way a model call goes wrong."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from bot.config import load_playbook
from bot.llm.fake_model import notes_of, packet_answer
from bot.llm.fake_server import Answer, Delay, Fail, FakeOpenAI, strict_problem
from bot.llm.openai_drafter import OpenAIDrafter
from bot.llm.prompts import load_prompt
from core.drafting import INVALID, QUOTE_NOT_FOUND, Draft, draft_from_notes
from core.errors import ModelRefused, ModelReplyInvalid, ModelTimedOut, ModelUnavailable
from core.playbook import Playbook
from tests.integration.slack_world import REPO

CLOSE = date(2026, 11, 2)
NOTES = """Discovery recap, Northwind Traders (2 Nov)
Dana Whitfield (VP Operations): our goal is one order system instead of three regional ones by Q2.
Dana: the pain today is manual reconciliation every Friday, it eats a full day.
Ana (AE): we promised two admin trainings and a 12% discount on year one.
Marcus (IT): the risk is our change freeze from Dec 15 to Jan 10.
"""
GOOD = {
    "customer_goals": ("One order system instead of three regional ones by Q2.",
                       "our goal is one order system instead of three regional ones by Q2"),
    "pain_points": ("Manual reconciliation every Friday takes a full day.",
                    "the pain today is manual reconciliation every Friday, it eats a full day"),
    "promises": ("Two admin trainings; 12% discount on year one.",
                 "we promised two admin trainings and a 12% discount on year one"),
    "risks": ("IT change freeze Dec 15 to Jan 10.", "the risk is our change freeze from Dec 15 to Jan 10"),
}


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook(REPO / "app.yaml")


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


class Naps:
    """Records the backoff waits instead of sleeping them."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


@pytest.fixture
def naps() -> Naps:
    return Naps()


@pytest.fixture
async def drafter(fake: FakeOpenAI, naps: Naps) -> AsyncIterator[OpenAIDrafter]:
    client = OpenAIDrafter(api_key=fake.api_key, base_url=fake.base_url, model="fake-model",
                           prompt=load_prompt("draft_packet"), timeout=0.5, sleep=naps)
    yield client
    await client.close()


def answers(values: dict[str, tuple[Any, str | None]]) -> Any:
    return lambda body: packet_answer(body, values)


async def draft(playbook: Playbook, drafter: OpenAIDrafter, notes: str = NOTES) -> Draft:
    return await draft_from_notes(notes, playbook=playbook, drafter=drafter, close_date=CLOSE, current={})


async def test_good_answers_become_suggestions_asked_for_in_strict_mode_at_temperature_zero(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    fake.responder = answers(GOOD)
    result = await draft(playbook, drafter)
    assert {s.field_id: s.value for s in result.suggestions} == {k: v[0] for k, v in GOOD.items()}
    assert not result.dropped and result.model == "fake-model"
    assert result.prompt_version.startswith("draft_packet.v1@")
    [request] = fake.requests
    assert request["temperature"] == 0 and request["model"] == "fake-model"
    fmt = request["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert strict_problem(fmt["json_schema"]["schema"], ()) is None
    assert notes_of(request).strip() == NOTES.strip()
    assert "- customer_goals: Customer goals and primary use case." in request["messages"][1]["content"]


async def test_an_invented_quote_and_an_invalid_value_are_dropped_and_the_rest_kept(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    fake.responder = answers({
        **GOOD,
        "competitors": ("Chose us over Acme for EU data residency.", "we chose you over Acme for EU data residency"),
        "why_they_bought": ("EU data residency. " * 30, "our goal is one order system"),  # over 400 characters
    })
    result = await draft(playbook, drafter)
    assert {s.field_id for s in result.suggestions} == set(GOOD)
    assert {(d.field_id, d.reason) for d in result.dropped} == {("competitors", QUOTE_NOT_FOUND),
                                                               ("why_they_bought", INVALID)}
    assert result.proposed == 6 and result.quote_misses == 1


async def test_malformed_json_is_an_error_the_ae_can_act_on(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    fake.script(Answer(content='{"customer_goals": {"value": "One order system", "quote": '))
    with pytest.raises(ModelReplyInvalid):
        await draft(playbook, drafter)


async def test_a_cut_off_answer_is_reported_as_such(playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter) -> None:
    fake.script(Answer(content='{"customer_goals": {"value": "One', finish_reason="length"))
    with pytest.raises(ModelReplyInvalid, match="cut off"):
        await draft(playbook, drafter)


async def test_a_refusal_is_reported_with_the_models_words(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    fake.script(Answer(refusal="I'm sorry, I can't help with that request."))
    with pytest.raises(ModelRefused) as refused:
        await draft(playbook, drafter)
    assert refused.value.reason == "I'm sorry, I can't help with that request."


async def test_a_429_is_retried_after_the_servers_retry_after_then_succeeds(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter, naps: Naps,
) -> None:
    fake.responder = answers(GOOD)
    fake.script(Fail(429, retry_after=1.5), Fail(503))
    result = await draft(playbook, drafter)
    assert len(result.suggestions) == len(GOOD)
    assert fake.statuses == [429, 503, 200]
    assert naps.taken[0] == 1.5 and 0 < naps.taken[1] <= 8  # Retry-After honoured, then exponential backoff


async def test_server_errors_are_retried_a_bounded_number_of_times(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    fake.script(Fail(500), Fail(502), Fail(500), Fail(500))
    with pytest.raises(ModelUnavailable, match="500"):
        await draft(playbook, drafter)
    assert fake.statuses == [500, 502, 500]  # three attempts, not four


async def test_a_rate_limit_asking_for_a_long_wait_is_not_waited_out(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter, naps: Naps,
) -> None:
    fake.script(Fail(429, retry_after=600))
    with pytest.raises(ModelUnavailable, match="rate limited"):
        await draft(playbook, drafter)
    assert fake.statuses == [429] and naps.taken == []


async def test_a_slow_model_times_out_once_without_retrying(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    fake.script(Delay(3.0, Answer(content="{}")))
    with pytest.raises(ModelTimedOut) as timed_out:
        await draft(playbook, drafter)
    assert timed_out.value.seconds == 0.5
    assert len(fake.requests) == 1


async def test_a_wrong_key_says_which_setting_to_check(playbook: Playbook, fake: FakeOpenAI) -> None:
    wrong = OpenAIDrafter(api_key="sk-wrong", base_url=fake.base_url, model="fake-model",
                          prompt=load_prompt("draft_packet"))
    with pytest.raises(ModelUnavailable, match="OPENAI_API_KEY"):
        await draft(playbook, wrong)
    await wrong.close()


async def test_a_server_without_strict_schemas_is_asked_again_in_json_mode(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    fake.responder = answers(GOOD)
    fake.script(Fail(400, message="Invalid parameter: 'response_format' of type 'json_schema' is not supported "
                                  "with this model."))
    result = await draft(playbook, drafter)
    assert len(result.suggestions) == len(GOOD)
    retried = fake.requests[-1]
    assert retried["response_format"] == {"type": "json_object"}
    assert '"additionalProperties":false' in retried["messages"][-1]["content"]


async def test_a_long_transcript_is_read_in_parts_and_a_disagreement_surfaces(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter,
) -> None:
    small = playbook.model_copy(update={"llm": playbook.llm.model_copy(update={"chunk_chars": 2000})})
    filler = "".join(f"[00:{n:02d}] Ana: small talk about the offsite, item {n}.\n" for n in range(60))
    transcript = (f"[00:00] Dana: go-live is planned for March.\n{filler}"
                  f"[01:00] Marcus: realistically go-live slips to May because of the freeze.\n{filler}"
                  "[02:00] Dana: the goal is one order system by Q2.\n")

    def per_part(body: dict[str, Any]) -> Answer:
        notes, values = notes_of(body), {}
        if "planned for March" in notes:
            values["implementation_timeline"] = ("Go-live in March.", "go-live is planned for March")
        if "slips to May" in notes:
            values["implementation_timeline"] = ("Go-live in May.", "realistically go-live slips to May")
        if "one order system" in notes:
            values["customer_goals"] = ("One order system by Q2.", "the goal is one order system by Q2")
        return packet_answer(body, values)

    fake.responder = per_part
    result = await draft(small, drafter, transcript)
    assert result.parts == len(fake.requests) >= 3
    parts = [json.loads(json.dumps(r["messages"][1]["content"])) for r in fake.requests]
    assert all(f"of {result.parts}." in p for p in parts)
    assert [s.field_id for s in result.suggestions] == ["customer_goals"]
    [conflict] = result.conflicts
    assert [o.value for o in conflict.options] == ["Go-live in March.", "Go-live in May."]


async def test_logs_carry_token_counts_and_latency_but_never_the_notes(
    playbook: Playbook, fake: FakeOpenAI, drafter: OpenAIDrafter, caplog: pytest.LogCaptureFixture,
) -> None:
    fake.responder = answers(GOOD)
    with caplog.at_level(logging.DEBUG):
        await draft(playbook, drafter)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "prompt_tokens=" in text and "completion_tokens=" in text and "latency=" in text
    assert "reconciliation" not in text and "Dana" not in text
