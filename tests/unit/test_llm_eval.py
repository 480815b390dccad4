"""The evaluation set and bench/llm_eval.py: the data is grounded in the notes, the scoring is
right, and the script runs (skipped without a key, against the fake server with --fake)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.config import load_playbook
from core.drafting import INVALID, QUOTE_NOT_FOUND, Conflict, Draft, Dropped, Suggestion, llm_fields

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("llm_eval", ROOT / "bench" / "llm_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["llm_eval"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def field_ids() -> list[str]:
    return [f.id for f in llm_fields(load_playbook(ROOT / "app.yaml"))]


def test_the_set_has_eight_or_more_notes_in_different_styles(bench: ModuleType, field_ids: list[str]) -> None:
    cases = bench.load_cases(bench.DATA, field_ids)
    assert len(cases) >= 8
    assert len({c.style for c in cases}) == len(cases)
    assert any(len(c.notes) > 7000 for c in cases)  # a long meeting transcript
    assert any(sum(v is None for v in c.expected.values()) > len(field_ids) // 2 for c in cases)  # a sparse note
    assert sum(v is None for c in cases for v in c.expected.values()) >= 8  # fields the notes are silent on


def test_every_expected_keyword_is_in_its_notes(bench: ModuleType, field_ids: list[str]) -> None:
    """An expected value the notes cannot support would punish a model for not inventing it."""
    for case in bench.load_cases(bench.DATA, field_ids):
        text = case.notes.lower()
        for field_id, groups in case.expected.items():
            for group in groups or []:
                assert any(word in text for word in group), f"{case.name}.{field_id}: none of {group} in the notes"


def draft(*suggestions: Suggestion, conflicts: tuple[Conflict, ...] = (), dropped: tuple[Dropped, ...] = (),
          proposed: int = 0) -> Draft:
    return Draft(suggestions=suggestions, conflicts=conflicts, dropped=dropped, model="m", prompt_version="p",
                 parts=1, proposed=proposed)


def test_precision_recall_and_quote_misses_are_counted_per_field(bench: ModuleType) -> None:
    fields = ["goals", "risks", "promises"]
    one = bench.Case("one", "a", "", {"goals": [["order"], ["one", "single"]], "risks": None, "promises": [["12%"]]})
    two = bench.Case("two", "b", "", {"goals": [["booking"]], "risks": [["freeze"]], "promises": None})
    results = [
        (one, draft(Suggestion("goals", "One order system", ("q",)),  # right
                    Suggestion("risks", "Budget", ("q",)),  # suggested where the notes are silent
                    dropped=(Dropped("promises", QUOTE_NOT_FOUND, "x"), Dropped("risks", INVALID, "y")),
                    proposed=4)),
        (two, draft(Suggestion("goals", "Phone support", ("q",)),  # wrong
                    conflicts=(Conflict("risks", (Suggestion("risks", "Freeze in Dec", ("q",)),
                                                  Suggestion("risks", "Union", ("q",)))),),
                    proposed=3)),
    ]
    report = bench.score(results, fields)
    goals, risks, promises = (report.fields[f] for f in fields)
    assert (goals.expected, goals.suggested, goals.right) == (2, 2, 1)
    assert (risks.expected, risks.suggested, risks.right) == (1, 2, 1)  # a conflict is right if a candidate is
    assert (promises.expected, promises.suggested, promises.right) == (1, 0, 0)
    assert promises.precision is None and promises.recall == 0
    assert (report.total.precision, report.total.recall) == (2 / 4, 2 / 4)
    assert (report.proposed, report.quote_misses, report.invalid) == (7, 1, 1)
    assert report.quote_miss_share == 1 / 7


def test_a_failed_note_counts_as_suggesting_nothing(bench: ModuleType) -> None:
    case = bench.Case("one", "a", "", {"goals": [["order"]]})
    report = bench.score([(case, "ModelTimedOut: too slow")], ["goals"])
    assert report.fields["goals"].recall == 0 and report.failures == {"one": "ModelTimedOut: too slow"}
    assert "FAILED one: ModelTimedOut" in bench.format_report(report, title="t")


def test_without_a_key_the_evaluation_says_it_was_skipped(
    bench: ModuleType, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert bench.main([]) == 0
    assert "llm_eval skipped: OPENAI_API_KEY is not set" in capsys.readouterr().out


def test_fake_mode_runs_every_note_through_the_real_client_and_says_it_is_no_model(
    bench: ModuleType, capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench.main(["--fake"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("FAKE MODE") and "NOT an evaluation of any model" in out
    assert "ALL FIELDS" in out and "quote not found in the notes:" in out and "FAILED" not in out
