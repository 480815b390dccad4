"""The LLM adapter: drafting packet values from call notes on an OpenAI-compatible server.

- openai_drafter: `OpenAIDrafter`, the `core.drafting.Drafter` port on the `openai` client
- prompts: prompt templates (`prompts/<name>.v<N>.txt`) and their versions
- fake_server: a local OpenAI-compatible server for tests, `bench/llm_eval.py --fake` and demos
"""

from __future__ import annotations

from bot.llm.openai_drafter import OpenAIDrafter
from bot.llm.prompts import load_prompt
from bot.settings import Settings

DRAFT_PROMPT = "draft_packet"


def build_drafter(settings: Settings) -> OpenAIDrafter | None:
    """The drafter when OPENAI_API_KEY is set; None turns the feature off (and help says how)."""
    if settings.openai_api_key is None:
        return None
    return OpenAIDrafter(
        api_key=settings.openai_api_key.get_secret_value(), base_url=settings.openai_base_url,
        model=settings.llm_model, prompt=load_prompt(DRAFT_PROMPT),
    )
