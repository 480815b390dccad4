"""The Drafter port on any OpenAI-compatible chat completions server (OpenAI, Azure OpenAI,
vLLM, Ollama, LiteLLM...), through the official `openai` client.

Temperature 0 and strict structured outputs (a JSON Schema built from the playbook). A server
that rejects `json_schema` is asked again once in JSON mode with the schema in the prompt.
Retries are ours, not the client's (its `max_retries` is 0), so they stay bounded and visible:
429 and 5xx and dropped connections are retried with exponential backoff, honouring the
server's Retry-After; a timeout is not retried, the AE hears about it instead.

Logs carry token counts, latency and the prompt version, never the notes or the answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from bot.llm.prompts import Prompt
from core.draft_schema import SCHEMA_NAME, field_guide
from core.drafting import ChunkReply, ChunkRequest
from core.errors import ModelRefused, ModelReplyInvalid, ModelTimedOut, ModelUnavailable

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60.0
ATTEMPTS = 3
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 8.0
RETRY_AFTER_MAX = 30.0  # a server asking for longer is as good as down for an AE waiting in a modal


class OpenAIDrafter:
    """`core.drafting.Drafter` for one model behind one OpenAI-compatible endpoint."""

    def __init__(
        self, *, api_key: str, model: str, prompt: Prompt, base_url: str | None = None,
        timeout: float = TIMEOUT_SECONDS, attempts: int = ATTEMPTS, backoff_first: float = BACKOFF_FIRST,
        backoff_max: float = BACKOFF_MAX, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.model = model
        self._prompt = prompt
        self._timeout = timeout
        self._attempts = attempts
        self._backoff = (backoff_first, backoff_max)
        self._sleep = sleep
        self._json_mode = False  # set once the server turns down strict json_schema
        self._client = AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)

    async def close(self) -> None:
        await self._client.close()

    async def read_chunk(self, request: ChunkRequest) -> ChunkReply:
        messages = self._prompt.render(fields=field_guide(request.fields), notes=request.notes,
                                       part=request.part, parts=request.parts)
        started = time.perf_counter()
        completion = await self._complete(messages, request)
        usage = completion.usage
        log.info(
            "drafted part %d/%d: model=%s prompt=%s prompt_tokens=%s completion_tokens=%s latency=%.2fs",
            request.part, request.parts, completion.model or self.model, self._prompt.version,
            usage.prompt_tokens if usage else "?", usage.completion_tokens if usage else "?",
            time.perf_counter() - started,
        )
        return ChunkReply(content=_content(completion), model=completion.model or self.model,
                          prompt_version=self._prompt.version)

    async def _complete(self, messages: list[dict[str, str]], request: ChunkRequest) -> ChatCompletion:
        try:
            return await self._retrying(messages, request)
        except openai.BadRequestError as exc:
            if self._json_mode or not _schema_unsupported(exc):
                raise ModelUnavailable(f"the server rejected the request ({_said(exc)})") from None
            log.warning("%s does not take strict json_schema; asking in JSON mode instead", self.model)
            self._json_mode = True
            return await self._complete(messages, request)

    async def _retrying(self, messages: list[dict[str, str]], request: ChunkRequest) -> ChatCompletion:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts), wait=self._wait, retry=retry_if_exception(_transient),
            reraise=True, sleep=self._sleep,
        )
        body: dict[str, Any] = {
            "model": self.model, "messages": self._with_format(messages, request), "temperature": 0,
            "response_format": self._format(request),
        }
        try:
            async for attempt in retrying:
                with attempt:
                    completion: ChatCompletion = await self._client.chat.completions.create(**body)
                    return completion
        except openai.APITimeoutError:
            raise ModelTimedOut(self._timeout) from None
        except openai.RateLimitError as exc:
            raise ModelUnavailable(f"rate limited ({_said(exc)})") from None
        except (openai.AuthenticationError, openai.PermissionDeniedError):
            raise ModelUnavailable("the API key was refused; check OPENAI_API_KEY") from None
        except openai.NotFoundError:
            raise ModelUnavailable(f"no model {self.model!r} at this server; check BATON_LLM_MODEL") from None
        except openai.APIConnectionError:
            raise ModelUnavailable("the server could not be reached; check OPENAI_BASE_URL") from None
        except openai.APIStatusError as exc:
            if exc.status_code == 400:
                raise
            raise ModelUnavailable(f"the server answered {exc.status_code} ({_said(exc)})") from None
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _format(self, request: ChunkRequest) -> dict[str, Any]:
        if self._json_mode:
            return {"type": "json_object"}
        return {"type": "json_schema",
                "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": dict(request.schema)}}

    def _with_format(self, messages: list[dict[str, str]], request: ChunkRequest) -> list[dict[str, str]]:
        if not self._json_mode:
            return messages
        schema = json.dumps(request.schema, separators=(",", ":"))
        note = f"\n\nAnswer with one JSON object that matches this JSON Schema:\n{schema}"
        return [*messages[:-1], {**messages[-1], "content": messages[-1]["content"] + note}]

    def _wait(self, state: RetryCallState) -> float:
        """The server's Retry-After when it gives one, else exponential backoff from 0.5 s."""
        exc = state.outcome.exception() if state.outcome else None
        hinted = _retry_after(exc)
        if hinted is not None:
            return hinted
        first, most = self._backoff
        return float(min(first * 2 ** (state.attempt_number - 1), most))


def _content(completion: ChatCompletion) -> str:
    """The JSON text, or the reason there is none, as an error the AE can act on."""
    if not completion.choices:
        raise ModelReplyInvalid("the answer had no choices")
    choice = completion.choices[0]
    if choice.message.refusal:
        raise ModelRefused(choice.message.refusal)
    if choice.finish_reason == "content_filter":
        raise ModelRefused("the server's content filter stopped the answer")
    if choice.finish_reason == "length":
        raise ModelReplyInvalid("the answer was cut off at the output limit")
    if not choice.message.content:
        raise ModelReplyInvalid("the answer was empty")
    return choice.message.content


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError):
        return False  # the AE is waiting; say so rather than wait twice as long
    if isinstance(exc, openai.RateLimitError):
        hinted = _retry_after(exc)
        return exc.code != "insufficient_quota" and (hinted is None or hinted <= RETRY_AFTER_MAX)
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409) or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)


def _retry_after(exc: BaseException | None) -> float | None:
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float(headers.get(name, "")) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return seconds
    return None


def _schema_unsupported(exc: openai.BadRequestError) -> bool:
    text = f"{exc.param or ''} {exc.message}".lower()
    return "response_format" in text or "json_schema" in text


def _said(exc: openai.APIStatusError) -> str:
    """The server's own short message, cut; it describes the request, never the notes."""
    return (exc.message or str(exc.status_code))[:200]
