"""`baton serve`: one process serving every HTTP route, delivering the outbox and running the
scheduler (the SLA sweep every 30 seconds, the weekly digest; bot/scheduler.py).

With SLACK_APP_TOKEN set, Slack traffic arrives over Socket Mode (a websocket Baton opens to
Slack, so no public URL is needed) and `/slack/events` is not served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot.bootstrap import Baton
from bot.http_server import build_app
from bot.scheduler import build_scheduler
from bot.slack.credentials import open_socket

log = logging.getLogger(__name__)


async def serve(baton: Baton, *, host: str = "0.0.0.0") -> None:
    """Serve every configured platform from one process: Slack, Teams or both (bootstrap built them)."""
    socket_mode = baton.slack is not None and baton.settings.slack_app_token is not None
    endpoint = baton.teams.endpoint if baton.teams is not None else None
    if baton.teams is not None:
        config = baton.teams.config
        log.info("Teams: /api/messages is served (%s)",
                 "UNAUTHENTICATED local testing" if config.insecure_local else f"app {config.APP_ID}")
    app = build_app(baton, slack_over_http=not socket_mode, teams=endpoint)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, baton.settings.port).start()
    log.info("Baton is serving on port %d (Slack over %s)", baton.settings.port,
             "Socket Mode" if socket_mode else ("HTTP" if baton.slack else "nothing: no SLACK_BOT_TOKEN"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    handler = None
    scheduler = build_scheduler(baton.sla, wake=baton.dispatcher.wake if baton.dispatcher else None)
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            assert baton.slack is not None and baton.settings.slack_app_token is not None
            handler = AsyncSocketModeHandler(baton.slack.bolt, baton.settings.slack_app_token.get_secret_value())
            await open_socket(handler.client)  # a refused SLACK_APP_TOKEN stops serve before any job runs
        scheduler.start()  # SLA sweep, weekly digest
        await stop.wait()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if handler is not None:
            await handler.close_async()
        await runner.cleanup()
