"""A local, OpenAI-compatible chat completions server for tests, demos and `bench/llm_eval.py --fake`.

It serves `POST /v1/chat/completions` and `GET /v1/models` the way OpenAI does: bearer-key
checks, request validation with OpenAI's error shapes (including strict structured-output schema
rules and JSON mode's "mention JSON" rule), `choices[0].message.content` or `.refusal`, `usage`,
`x-request-id`, and 429s with Retry-After and rate-limit headers. What the "model" says is
scripted per request (`script`), else produced by a responder function: it is a fake of the
wire, not of a model.

    async with FakeOpenAI() as fake:
        fake.script(Fail(429, retry_after=0.1), Answer(content='{"x": 1}'))
        client = AsyncOpenAI(api_key=fake.api_key, base_url=fake.base_url)
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

ROLES = {"system", "developer", "user", "assistant", "tool"}
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Answer:
    """The model's turn: content, or a refusal (content then null)."""

    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Fail:
    """An HTTP error as OpenAI sends it (429 rate limit, 500/503 server errors, ...)."""

    status: int
    retry_after: float | None = None
    message: str = ""


@dataclass(frozen=True)
class Delay:
    """Answer `then` after `seconds` (longer than the client's timeout makes a timeout)."""

    seconds: float
    then: Behaviour


Responder = Callable[[dict[str, Any]], Answer]
Behaviour = Answer | Fail | Delay | Responder


class InvalidRequest(Exception):
    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code


class FakeOpenAI:
    def __init__(self, *, api_key: str = "sk-fake-baton", responder: Responder | None = None,
                 models: tuple[str, ...] | None = None) -> None:
        self.api_key = api_key
        self.responder = responder or (lambda body: Answer(content="{}"))
        self.models = models  # None: any model name is served
        self.requests: list[dict[str, Any]] = []  # every valid request body, in order
        self.statuses: list[int] = []  # the HTTP status of every request, in order
        self._script: deque[Behaviour] = deque()
        self._runner: web.AppRunner | None = None
        self._port = 0

    def script(self, *behaviours: Behaviour) -> None:
        """What the next requests get, one behaviour each, before the responder takes over."""
        self._script.extend(behaviours)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    # -- HTTP -------------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        names = self.models or ("fake-model",)
        return web.json_response({"object": "list", "data": [
            {"id": n, "object": "model", "created": 0, "owned_by": "baton-fake"} for n in names]})

    async def _completions(self, request: web.Request) -> web.Response:
        response = await self._answer(request)
        self.statuses.append(response.status)
        return response

    async def _answer(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._unauthorised()
        try:
            body = validate_request(await request.read())
        except InvalidRequest as exc:
            return _error(400, exc.message, "invalid_request_error", param=exc.param, code=exc.code)
        if self.models is not None and body["model"] not in self.models:
            return _error(404, f"The model `{body['model']}` does not exist or you do not have access to it.",
                          "invalid_request_error", code="model_not_found")
        self.requests.append(body)
        behaviour: Behaviour = self._script.popleft() if self._script else self.responder
        while isinstance(behaviour, Delay):
            await asyncio.sleep(behaviour.seconds)
            behaviour = behaviour.then
        if isinstance(behaviour, Fail):
            return _failure(behaviour)
        answer = behaviour if isinstance(behaviour, Answer) else behaviour(body)
        return web.json_response(completion(body, answer), headers=_headers())

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "") == f"Bearer {self.api_key}"

    def _unauthorised(self) -> web.Response:
        return _error(401, "Incorrect API key provided. You can find your API key at "
                           "https://platform.openai.com/account/api-keys.", "invalid_request_error",
                      code="invalid_api_key")


def completion(body: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """A chat.completion object for `answer`, with usage counted roughly as OpenAI's tokenizer would."""
    prompt_tokens = sum(_tokens(_text(m.get("content"))) for m in body["messages"])
    completion_tokens = _tokens(answer.content or answer.refusal or "")
    return {
        "id": f"chatcmpl-{secrets.token_hex(12)}", "object": "chat.completion", "created": int(time.time()),
        "model": body["model"],
        "choices": [{
            "index": 0, "logprobs": None, "finish_reason": answer.finish_reason,
            "message": {"role": "assistant", "content": None if answer.refusal else answer.content,
                        "refusal": answer.refusal, "annotations": []},
        }],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens,
                  "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
        "service_tier": "default", "system_fingerprint": "fp_baton_fake",
    }


def validate_request(raw: bytes) -> dict[str, Any]:
    """The request body, or InvalidRequest with the message OpenAI would give."""
    try:
        body = json.loads(raw or b"")
    except ValueError:
        raise InvalidRequest("We could not parse the JSON body of your request. (HINT: This likely means "
                             "you aren't using your HTTP library correctly.)") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise InvalidRequest("you must provide a model parameter", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.",
                             param="messages", code="empty_array")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise InvalidRequest(f"Invalid value for 'messages[{i}].role'.", param=f"messages[{i}].role")
        if not isinstance(message.get("content"), str | list):
            raise InvalidRequest(f"Missing required parameter: 'messages[{i}].content'.",
                                 param=f"messages[{i}].content")
    temperature = body.get("temperature", 1)
    if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
        raise InvalidRequest("Invalid 'temperature': must be between 0 and 2.", param="temperature")
    for name in ("max_tokens", "max_completion_tokens"):
        if name in body and (not isinstance(body[name], int) or body[name] < 1):
            raise InvalidRequest(f"Invalid '{name}': integer below minimum value.", param=name)
    if body.get("stream"):
        raise InvalidRequest("This fake server does not stream.", param="stream")
    if body.get("n", 1) != 1:
        raise InvalidRequest("This fake server answers with one choice (n=1).", param="n")
    _check_format(body.get("response_format"), messages)
    return body


def _check_format(fmt: Any, messages: list[dict[str, Any]]) -> None:
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise InvalidRequest("Invalid value for 'response_format.type'.", param="response_format.type")
    if kind == "json_object" and not any("json" in _text(m.get("content")).lower() for m in messages):
        raise InvalidRequest("'messages' must contain the word 'json' in some form, to use 'response_format' "
                             "of type 'json_object'.", param="messages")
    if kind != "json_schema":
        return
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not _NAME.match(spec["name"]):
        raise InvalidRequest("Invalid 'response_format.json_schema.name': must match ^[a-zA-Z0-9_-]{1,64}$.",
                             param="response_format.json_schema.name")
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        raise InvalidRequest("Missing required parameter: 'response_format.json_schema.schema'.",
                             param="response_format.json_schema.schema")
    if spec.get("strict"):
        problem = strict_problem(schema, ())
        if problem:
            raise InvalidRequest(f"Invalid schema for response_format '{spec['name']}': {problem}",
                                 param="response_format", code="invalid_json_schema")


def strict_problem(schema: Any, context: tuple[str, ...]) -> str | None:
    """The first rule of strict structured outputs that `schema` breaks, worded like OpenAI's."""
    if not isinstance(schema, dict):
        return f"In context={context}, schema must be a JSON Schema object."
    types = schema.get("type")
    kinds = set(types) if isinstance(types, list) else {types}
    if "object" in kinds:
        if schema.get("additionalProperties") is not False:
            return (f"In context={context}, 'additionalProperties' is required to be supplied and to be "
                    "false.")
        properties = schema.get("properties", {})
        missing = [k for k in properties if k not in schema.get("required", [])]
        if missing:
            return (f"In context={context}, 'required' is required to be supplied and to be an array "
                    f"including every key in properties. Missing '{missing[0]}'.")
        for key, sub in properties.items():
            problem = strict_problem(sub, (*context, "properties", key))
            if problem:
                return problem
    if "array" in kinds and "items" in schema:
        return strict_problem(schema["items"], (*context, "items"))
    return None


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _headers() -> dict[str, str]:
    return {"x-request-id": f"req_{secrets.token_hex(12)}", "openai-processing-ms": "42",
            "x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "499",
            "x-ratelimit-reset-requests": "120ms"}


def _error(status: int, message: str, kind: str, *, param: str | None = None, code: str | None = None,
           headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return web.json_response(body, status=status, headers={"x-request-id": f"req_{secrets.token_hex(12)}",
                                                           **(headers or {})})


def _failure(fail: Fail) -> web.Response:
    if fail.status == 429:
        wait = fail.retry_after if fail.retry_after is not None else 1.0
        headers = {"retry-after": f"{wait:g}", "retry-after-ms": str(int(wait * 1000)),
                   "x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "0",
                   "x-ratelimit-reset-requests": f"{wait:g}s"}
        message = fail.message or ("Rate limit reached for requests per min (RPM): Limit 500, Used 500, "
                                   "Requested 1. Please try again shortly.")
        return _error(429, message, "requests", code="rate_limit_exceeded", headers=headers)
    if fail.status >= 500:
        return _error(fail.status, fail.message or "The server had an error while processing your request. "
                                                   "Sorry about that!", "server_error")
    return _error(fail.status, fail.message or "Bad request.", "invalid_request_error")
