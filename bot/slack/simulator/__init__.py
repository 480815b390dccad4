"""A strict, in-process simulator of Slack's Web API for Baton's tests and `baton demo`.

async with SlackSimulator() as sim:
    client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)

with SlackSimulator().run_in_thread() as running:   # for synchronous code
    client = WebClient(token=running.sim.bot_token, base_url=running.api_url)
"""

from bot.slack.simulator.render import render_blocks, render_message, render_view, unescape
from bot.slack.simulator.simulator import Call, Reply, SlackSimulator

__all__ = [
    "Call",
    "Reply",
    "SlackSimulator",
    "render_blocks",
    "render_message",
    "render_view",
    "unescape",
]
