"""Stand-ins for a model behind the fake server: scripted packet answers, and a keyword heuristic.

The heuristic is a deliberately simple "model" for demos and for proving `bench/llm_eval.py`
scores correctly (`--fake`): for each field it takes the first line of the notes that mentions
one of the field's cue words, and answers with that line. Sometimes it attributes the speaker
("Dana said: ...") as a careless model would, so some of its quotes are not in the notes.
It is not a model evaluation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.llm.fake_server import Answer

_NOTES = re.compile(r"<notes>\n?(.*?)\n?</notes>", re.DOTALL)
_SPEAKER = re.compile(r"^\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?([A-Z][\w .'-]{0,40}?)(?:\s*\([^)]*\))?:\s+(.+)$")
_BULLET = re.compile(r"^\s*(?:[-*•>]+|\d+[.)])\s*")
CUES: dict[str, tuple[str, ...]] = {
    "customer_goals": ("goal", "want to", "use case", "aim", "objective"),
    "pain_points": ("pain", "struggl", "manual", "frustrat", "problem"),
    "why_they_bought": ("chose us", "picked us", "why they bought", "decid", "won because"),
    "competitors": ("compet", "versus", " vs ", "evaluated", "shortlist"),
    "success_metrics": ("success", "metric", "kpi", "measure", "first value"),
    "implementation_timeline": ("timeline", "go-live", "go live", "kickoff", "launch", "phase"),
    "promises": ("promis", "commit", "discount", "we agreed", "guarantee", "included"),
    "stakeholders": ("champion", "sponsor", "economic buyer", "stakeholder", "signs off"),
    "integration_notes": ("integrat", "api", "sso", "salesforce", "hubspot", "snowflake"),
    "risks": ("risk", "concern", "worried", "freeze", "blocker"),
}


def schema_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema the request asked the answer to follow ({} when it gave none)."""
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema")
    return schema if isinstance(schema, dict) else {}


def notes_of(body: Mapping[str, Any]) -> str:
    """The notes inside the prompt's <notes> tags (the last user message)."""
    user = [m for m in body.get("messages", []) if m.get("role") == "user"]
    found = _NOTES.search(str(user[-1].get("content", ""))) if user else None
    return found.group(1) if found else ""


def packet_answer(body: Mapping[str, Any], values: Mapping[str, tuple[Any, str | None]]) -> Answer:
    """An answer naming every field the request asked for: `values` as given, the rest null."""
    fields = list(schema_of(body).get("properties", {})) or list(values)
    answer = {f: {"value": values[f][0], "quote": values[f][1]} if f in values else {"value": None, "quote": None}
              for f in fields}
    return Answer(content=json.dumps(answer))


def heuristic(body: dict[str, Any]) -> Answer:
    """The keyword "model" described in the module docstring."""
    lines = [line for line in notes_of(body).splitlines() if line.strip()]
    values: dict[str, tuple[Any, str | None]] = {}
    for n, field_id in enumerate(schema_of(body).get("properties", {})):
        cues = CUES.get(field_id, tuple(w for w in field_id.split("_") if len(w) > 3))
        line = next((ln for ln in lines if any(c in f" {ln.lower()} " for c in cues)), None)
        if line is None:
            continue
        said = _BULLET.sub("", line).strip()
        speaker = _SPEAKER.match(said) if said == line.strip() else None  # "- Goal: ..." is no speaker
        if speaker:
            who, words = speaker.groups()
            # Every third attributed line comes back re-worded, the way careless models do.
            quote = f"{who.strip()} said: {words}" if n % 3 == 0 else words
            values[field_id] = (words, quote)
        else:
            values[field_id] = (said, said)
    return packet_answer(body, values)
