"""The simulator's file host: the `url_private` and `url_private_download` of shared files.

Slack serves a file's bytes only to a request with `Authorization: Bearer <token>`, a token
bearing `files:read` (Slack's file object reference, "Authentication"). Without one, or with
a token that may not read files, it answers with a redirect to the workspace's sign-in page
(HTML), not with an error status: that is how clients end up saving a login page as the file.
The simulator does the same, and serves the sign-in page at `/`. A file the bot may not see
(a private channel it is not in), a deleted one or an unknown id answers 404.

`sim.fail_next(DOWNLOAD, 503)` and `sim.outage()` make downloads fail as Slack's edge would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from bot.slack.simulator.faults import EDGE_PAGE, Failure
from bot.slack.simulator.shapes import file_visible

if TYPE_CHECKING:
    from bot.slack.simulator.simulator import SlackSimulator

DOWNLOAD = "url_private_download"  # the key for faults and stats: not a Web API method
SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in | Slack</title></head>"
    "<body><h1>Sign in to {team}</h1><p>You need to sign in to see this page.</p></body></html>"
)


def add_file_routes(app: web.Application, sim: SlackSimulator) -> None:
    async def serve(request: web.Request) -> web.Response:
        return _serve(sim, request, download=False)

    async def download(request: web.Request) -> web.Response:
        return _serve(sim, request, download=True)

    async def sign_in(request: web.Request) -> web.Response:
        page = SIGN_IN_PAGE.format(team=sim.workspace.team_name)
        return web.Response(text=page, content_type="text/html")

    app.router.add_get("/files-pri/{team_file}/download/{name}", download)
    app.router.add_get("/files-pri/{team_file}/{name}", serve)
    app.router.add_get("/", sign_in)


def _serve(sim: SlackSimulator, request: web.Request, *, download: bool) -> web.Response:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    with sim._lock:
        sim.stats.calls[DOWNLOAD] += 1
        failure = Failure(503, 1, "html") if sim.faults.down else sim.faults.take_failure(DOWNLOAD)
        if failure:
            sim.stats.server_errors[DOWNLOAD] += 1
            return web.Response(status=failure.status, text=EDGE_PAGE.format(status=failure.status),
                                content_type="text/html")
        ws = sim.workspace
        if token != ws.bot_token:
            back = quote(request.path_qs, safe="")
            raise web.HTTPFound(location=f"{ws.files_url}/?redir={back}")
        team, _, file_id = request.match_info["team_file"].partition("-")
        file = ws.files.get(file_id)
        if team != ws.team_id or file is None or not file_visible(ws, file):
            return web.Response(status=404, text="File not found", content_type="text/plain")
        body, mimetype, name = file.content, file.mimetype, file.name
    headers = {"Content-Disposition": f"attachment; filename=\"{quote(name)}\""} if download else {}
    return web.Response(body=body, content_type=mimetype, headers=headers)
