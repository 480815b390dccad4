"""The HTTP face of the simulator: `POST {base}/api/{method}` as Slack's Web API serves it, and
`GET /link/?ticket=…`, the Socket Mode websocket apps.connections.open points apps at.

Arguments may come in the query string, a form body or a JSON body (slack_sdk uses all
three); a token in the `Authorization: Bearer` header, or for forms and query strings in
`token`. Slack ignores a token inside a JSON body, and so does the simulator.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.slack.simulator.errors import SlackRefusal
from bot.slack.simulator.file_server import add_file_routes
from bot.slack.simulator.methods.uploads import add_upload_route

if TYPE_CHECKING:
    from bot.slack.simulator.simulator import Reply, SlackSimulator

FORM = "application/x-www-form-urlencoded"


async def read_call(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """The call's arguments and token, or a refusal as Slack answers a malformed request."""
    values: dict[str, Any] = dict(request.query)
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    if request.method == "POST" and request.can_read_body:
        if "Content-Type" not in request.headers:
            raise SlackRefusal("missing_post_type")
        kind = request.content_type
        if kind == "multipart/form-data":
            values.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        elif kind == "application/json":
            try:
                body = json.loads(await request.read() or b"{}")
            except ValueError:
                raise SlackRefusal("invalid_json") from None
            if not isinstance(body, dict):
                raise SlackRefusal("json_not_object")
            body.pop("token", None)
            values.update(body)
        elif kind in (FORM, "text/plain"):
            text = (await request.read()).decode(request.charset or "utf-8")
            values.update(parse_qsl(text, keep_blank_values=True))
        else:
            raise SlackRefusal("invalid_post_type")
    form_token = values.pop("token", None)
    return values, token or (str(form_token) if form_token else None)


def to_response(reply: Reply) -> web.Response:
    headers = {"X-Slack-Req-Id": uuid.uuid4().hex, **reply.headers}
    if isinstance(reply.body, dict):
        return web.json_response(reply.body, status=reply.status, headers=headers)
    kind = "text/html" if reply.body else "text/plain"
    return web.Response(
        status=reply.status, text=reply.body or "", content_type=kind, headers=headers
    )


def build_app(sim: SlackSimulator) -> web.Application:
    async def serve(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        delay = sim.delay_for(method)
        if delay:
            await asyncio.sleep(delay)
        try:
            values, token = await read_call(request)
        except SlackRefusal as refusal:
            return to_response(sim.refuse(method, refusal))
        return to_response(sim.dispatch(method, values, token))

    async def going_away(app: web.Application) -> None:
        await sim.socket_mode.detach()

    app = web.Application()
    app.router.add_route("POST", "/api/{method}", serve)
    app.router.add_route("GET", "/api/{method}", serve)
    app.router.add_get("/link/", sim.socket_mode.serve)  # Socket Mode (socket_mode.py)
    app.on_shutdown.append(going_away)
    add_file_routes(app, sim)  # url_private(_download) of shared files
    add_upload_route(app, sim)  # files.getUploadURLExternal's upload URLs
    return app


class Running:
    """The aiohttp runner of one started simulator, bound to 127.0.0.1 on a free port."""

    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self.runner, self.port = runner, port

    @classmethod
    async def start(cls, sim: SlackSimulator) -> Running:
        runner = web.AppRunner(build_app(sim), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = int(runner.addresses[0][1])
        sim.workspace.files_url = f"http://127.0.0.1:{port}"
        sim.socket_mode.attach(asyncio.get_running_loop(), f"ws://127.0.0.1:{port}/link/")
        return cls(runner, port)

    async def stop(self) -> None:
        await self.runner.cleanup()


class SimulatorThread:
    """A simulator served from its own thread and event loop, for synchronous callers
    (the `baton demo` command, sync `WebClient` tests)."""

    def __init__(self, sim: SlackSimulator) -> None:
        self.sim = sim
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="slack-simulator", daemon=True
        )
        self._thread.start()
        asyncio.run_coroutine_threadsafe(sim.start(), self._loop).result(timeout=10)

    @property
    def api_url(self) -> str:
        return self.sim.api_url

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.sim.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> SimulatorThread:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
