"""An in-memory Drafter for the core's tests: answers from a function of each chunk, records requests."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from core.drafting import ChunkReply, ChunkRequest

Values = Mapping[str, tuple[Any, str | None]]


def reply_json(request: ChunkRequest, values: Values) -> str:
    """A strict-schema answer: every field asked about, null unless `values` names it."""
    return json.dumps({f.id: {"value": values[f.id][0], "quote": values[f.id][1]} if f.id in values
                       else {"value": None, "quote": None} for f in request.fields})


class ScriptedDrafter:
    """`answer(request)` gives each chunk's values; an exception instance is raised instead."""

    model = "scripted-model"
    prompt_version = "draft_packet.v1@test"

    def __init__(self, answer: Callable[[ChunkRequest], Values | str | Exception]) -> None:
        self._answer = answer
        self.requests: list[ChunkRequest] = []

    async def read_chunk(self, request: ChunkRequest) -> ChunkReply:
        self.requests.append(request)
        answer = self._answer(request)
        if isinstance(answer, Exception):
            raise answer
        content = answer if isinstance(answer, str) else reply_json(request, answer)
        return ChunkReply(content=content, model=self.model, prompt_version=self.prompt_version)


def always(values: Values) -> ScriptedDrafter:
    return ScriptedDrafter(lambda request: values)
