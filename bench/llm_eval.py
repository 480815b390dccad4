"""Score a model at drafting the packet from call notes.

    python bench/llm_eval.py           # the model in OPENAI_API_KEY, OPENAI_BASE_URL, BATON_LLM_MODEL
    python bench/llm_eval.py --fake    # a keyword heuristic behind a local fake OpenAI server:
                                       # proves the scoring works; it is NOT a model evaluation
    options: --data DIR  --config app.yaml  --chunk-chars N  --json

Every tests/data/call_notes/NAME.txt is drafted through the code Baton runs (the OpenAI adapter,
then core.drafting's quote and validation checks), so a value only counts as suggested if Baton
would have shown it. NAME.expected.json gives, for each field the playbook lets the model draft,
null (the notes do not support a value) or a list of keyword groups a right value contains: each
group is alternatives separated by "|", matched case-insensitively. A field the notes disagree
about counts as suggested, and as right when any candidate is.

Per field: precision = right / suggested, recall = right / expected. Also: the share of the
model's values whose quote was not found in the notes, and values dropped by the field's rules.
Without OPENAI_API_KEY (and without --fake) it prints that it was skipped and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bot.config import load_playbook  # noqa: E402
from bot.llm import DRAFT_PROMPT  # noqa: E402
from bot.llm.fake_model import heuristic  # noqa: E402
from bot.llm.fake_server import FakeOpenAI  # noqa: E402
from bot.llm.openai_drafter import OpenAIDrafter  # noqa: E402
from bot.llm.prompts import load_prompt  # noqa: E402
from bot.settings import Settings  # noqa: E402
from core.drafting import INVALID, UNSUPPORTED, Draft, Drafter, draft_from_notes, llm_fields  # noqa: E402
from core.errors import DraftingError  # noqa: E402
from core.playbook import Playbook  # noqa: E402

DATA = ROOT / "tests" / "data" / "call_notes"
CLOSE = date(2026, 11, 2)
FAKE_BANNER = ("FAKE MODE: a keyword heuristic behind a local fake OpenAI server. This checks that the "
               "scoring works; it is NOT an evaluation of any model.")


@dataclass(frozen=True)
class Case:
    name: str
    style: str
    notes: str
    expected: dict[str, list[list[str]] | None]


@dataclass
class Tally:
    expected: int = 0
    suggested: int = 0
    right: int = 0

    @property
    def precision(self) -> float | None:
        return self.right / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        return self.right / self.expected if self.expected else None


@dataclass
class Report:
    fields: dict[str, Tally]
    proposed: int = 0
    quote_misses: int = 0
    invalid: int = 0
    unsupported: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> Tally:
        return Tally(sum(t.expected for t in self.fields.values()), sum(t.suggested for t in self.fields.values()),
                     sum(t.right for t in self.fields.values()))

    @property
    def quote_miss_share(self) -> float | None:
        return self.quote_misses / self.proposed if self.proposed else None


def load_cases(folder: Path, field_ids: Sequence[str]) -> list[Case]:
    """Every NAME.txt with its NAME.expected.json; each must name exactly the drafted fields."""
    cases = []
    for notes in sorted(folder.glob("*.txt")):
        spec = json.loads(notes.with_suffix(".expected.json").read_text(encoding="utf-8"))
        expected = {k: [group.lower().split("|") for group in v] if v else None for k, v in spec["fields"].items()}
        if set(expected) != set(field_ids):
            raise ValueError(f"{notes.name}: expected fields {sorted(expected)} are not the drafted {sorted(field_ids)}")
        cases.append(Case(notes.stem, spec.get("style", ""), notes.read_text(encoding="utf-8"), expected))
    return cases


def matches(value: Any, groups: list[list[str]]) -> bool:
    text = json.dumps(value).lower() if not isinstance(value, str) else value.lower()
    return all(any(word in text for word in group) for group in groups)


def score(results: Sequence[tuple[Case, Draft | str]], field_ids: Sequence[str]) -> Report:
    """Tally each field over all cases; a failed case counts as suggesting nothing."""
    report = Report({f: Tally() for f in field_ids})
    for case, outcome in results:
        draft = outcome if isinstance(outcome, Draft) else None
        if draft is None:
            report.failures[case.name] = str(outcome)
        else:
            report.proposed += draft.proposed
            report.quote_misses += draft.quote_misses
            report.invalid += sum(1 for d in draft.dropped if d.reason == INVALID)
            report.unsupported += sum(1 for d in draft.dropped if d.reason == UNSUPPORTED)
        candidates = _candidates(draft)
        for field_id in field_ids:
            tally, groups, offered = report.fields[field_id], case.expected[field_id], candidates.get(field_id, [])
            tally.expected += groups is not None
            tally.suggested += bool(offered)
            tally.right += bool(offered) and groups is not None and any(matches(v, groups) for v in offered)
    return report


def _candidates(draft: Draft | None) -> dict[str, list[Any]]:
    if draft is None:
        return {}
    found: dict[str, list[Any]] = {s.field_id: [s.value] for s in draft.suggestions}
    for c in draft.conflicts:
        found[c.field_id] = [o.value for o in c.options]
    return found


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.0%}"


def format_report(report: Report, *, title: str) -> str:
    width = max(len(f) for f in report.fields) + 2
    lines = [title, "", f"{'field':<{width}}expected  suggested  right  precision  recall"]
    for name, t in [*report.fields.items(), ("ALL FIELDS", report.total)]:
        lines.append(f"{name:<{width}}{t.expected:>8}  {t.suggested:>9}  {t.right:>5}  {_pct(t.precision):>9}  "
                     f"{_pct(t.recall):>6}")
    lines += ["", f"values proposed by the model: {report.proposed}",
              f"quote not found in the notes: {report.quote_misses} ({_pct(report.quote_miss_share).strip()})",
              f"quote found but not about the value: {report.unsupported}",
              f"dropped by the field's rules: {report.invalid}", f"time: {report.seconds:.1f}s"]
    lines += [f"FAILED {name}: {why}" for name, why in report.failures.items()]
    return "\n".join(lines)


async def evaluate(cases: Sequence[Case], playbook: Playbook, drafter: Drafter) -> Report:
    started = time.perf_counter()
    results: list[tuple[Case, Draft | str]] = []
    for case in cases:
        try:
            results.append((case, await draft_from_notes(case.notes, playbook=playbook, drafter=drafter,
                                                         close_date=CLOSE)))
        except DraftingError as exc:
            results.append((case, f"{type(exc).__name__}: {exc}"))
    report = score(results, [f.id for f in llm_fields(playbook)])
    report.seconds = time.perf_counter() - started
    return report


async def run(args: argparse.Namespace) -> int:
    playbook = load_playbook(args.config)
    if args.chunk_chars:
        playbook = playbook.model_copy(update={"llm": playbook.llm.model_copy(update={"chunk_chars": args.chunk_chars})})
    cases = load_cases(args.data, [f.id for f in llm_fields(playbook)])
    prompt = load_prompt(DRAFT_PROMPT)
    if args.fake:
        async with FakeOpenAI(responder=heuristic) as fake:
            drafter = OpenAIDrafter(api_key=fake.api_key, base_url=fake.base_url, model="keyword-heuristic",
                                    prompt=prompt)
            report = await evaluate(cases, playbook, drafter)
            await drafter.close()
        title = f"{FAKE_BANNER}\n{len(cases)} notes, prompt {prompt.version}"
    else:
        settings = Settings.from_env()
        if settings.openai_api_key is None:
            print("llm_eval skipped: OPENAI_API_KEY is not set (set it, and OPENAI_BASE_URL / BATON_LLM_MODEL "
                  "for another server or model; or run with --fake to check the scoring).")
            return 0
        drafter = OpenAIDrafter(api_key=settings.openai_api_key.get_secret_value(), base_url=settings.openai_base_url,
                                model=settings.llm_model, prompt=prompt)
        report = await evaluate(cases, playbook, drafter)
        await drafter.close()
        where = settings.openai_base_url or "api.openai.com"
        title = f"Model {settings.llm_model} at {where}: {len(cases)} notes, prompt {prompt.version}"
    if args.json:
        print(json.dumps(_as_json(report, title), indent=2))
    else:
        print(format_report(report, title=title))
    return 0


def _as_json(report: Report, title: str) -> dict[str, Any]:
    return {"title": title, "fields": {k: {"expected": t.expected, "suggested": t.suggested, "right": t.right,
                                           "precision": t.precision, "recall": t.recall}
                                       for k, t in report.fields.items()},
            "precision": report.total.precision, "recall": report.total.recall, "proposed": report.proposed,
            "quote_misses": report.quote_misses, "quote_miss_share": report.quote_miss_share,
            "unsupported": report.unsupported, "invalid": report.invalid, "failures": report.failures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fake", action="store_true", help="score a keyword heuristic (checks the scoring only)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--config", type=Path, default=ROOT / "app.yaml")
    parser.add_argument("--chunk-chars", type=int, default=0, help="override the playbook's llm.chunk_chars")
    parser.add_argument("--json", action="store_true")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
