"""Loading app.yaml: the shipped playbook works, and every broken file names the right line."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest

from bot.config import (
    PACKAGED_CONFIG,
    ConfigError,
    Problem,
    default_config_path,
    load_playbook,
    playbook_json_schema,
)
from core.playbook import FieldType

ROOT_CONFIG = Path(__file__).resolve().parents[2] / "app.yaml"

MINIMAL = """\
default_segment: smb
segments:
  - id: smb
    label: SMB
    max_amount: 25000
  - id: ent
    label: Enterprise
    min_amount: 25000
sections:
  - id: story
    title: Why they bought
    fields:
      - id: goals
        label: Customer goals
        type: long_text
        required: true
      - id: tier
        label: Tier
        type: select
        options: [Gold, Silver]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing needle, so tests don't hard-code numbers."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def problems_of(tmp_path: Path, text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_playbook(write(tmp_path, text))
    return caught.value.problems


def only_problem(tmp_path: Path, text: str) -> Problem:
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    return problems[0]


# --------------------------------------------------------------------------- the shipped playbook


def test_the_shipped_playbook_loads_with_the_three_segments() -> None:
    playbook = load_playbook(ROOT_CONFIG)

    assert [s.id for s in playbook.segments] == ["low_touch", "hybrid", "high_touch"]
    assert playbook.default_segment in {s.id for s in playbook.segments}
    assert playbook.trigger_stage == "Closed Won"
    assert playbook.quiet_hours.start == time(19, 0)


def test_the_packaged_copy_is_identical_to_the_root_app_yaml() -> None:
    assert PACKAGED_CONFIG.read_bytes() == ROOT_CONFIG.read_bytes(), (
        "bot/default_app.yaml ships in the wheel; copy app.yaml over it after editing"
    )


def test_the_shipped_playbook_requires_more_of_high_touch_than_low_touch() -> None:
    playbook = load_playbook(ROOT_CONFIG)
    low, high = set(playbook.required_fields("low_touch")), set(playbook.required_fields("high_touch"))

    assert low < high
    assert {"executive_sponsor", "stakeholders", "handoff_call_date"} <= high - low
    assert {"contract_signed", "billing_confirmed", "implementation_contact_email"} <= low
    assert playbook.segment("high_touch").live_call_required
    assert playbook.slas_for("high_touch").packet_due.delta > playbook.slas_for("low_touch").packet_due.delta


def test_the_shipped_playbook_keeps_each_step_short_and_llm_fill_off_facts() -> None:
    playbook = load_playbook(ROOT_CONFIG)
    facts = {FieldType.CHECKBOX, FieldType.URL, FieldType.EMAIL, FieldType.DATE}

    assert all(len(section.fields) <= 8 for section in playbook.sections)
    assert not [f.id for f in playbook.fields if f.llm_fill and f.type in facts]
    assert {"customer_goals", "promises", "success_metrics", "risks"} <= {
        f.id for f in playbook.fields if f.llm_fill
    }


# --------------------------------------------------------------------------- broken files


def test_a_wrong_field_type_names_its_line_and_lists_the_choices(tmp_path: Path) -> None:
    text = MINIMAL.replace("type: long_text", "type: longtext")

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "type: longtext")
    assert problem.path == "sections[0].fields[0].type"
    assert "'text', 'long_text'" in problem.message
    assert problem.hint == "did you mean 'long_text'?"


def test_an_unknown_key_suggests_the_closest_known_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("required: true", "requierd: true")

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "requierd")
    assert problem.message == "unknown key 'requierd' — did you mean 'required'?"


def test_an_unknown_key_like_nothing_known_lists_the_keys_allowed_there(tmp_path: Path) -> None:
    text = MINIMAL + "colour: blue\n"

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "colour")
    assert problem.hint is not None and "default_segment" in problem.hint


def test_a_duplicate_key_is_reported_with_both_lines(tmp_path: Path) -> None:
    text = MINIMAL.replace("    label: SMB\n", "    label: SMB\n    label: Small business\n")

    problem = only_problem(tmp_path, text)

    first, again = line_of(text, "label: SMB"), line_of(text, "label: Small business")
    assert problem.line == again
    assert problem.path == "segments[0].label"
    assert f"first on line {first}, again on line {again}" in problem.message


def test_a_select_without_options_points_at_the_field(tmp_path: Path) -> None:
    text = MINIMAL.replace("        options: [Gold, Silver]\n", "")

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "id: tier")
    assert problem.path == "sections[0].fields[1]"
    assert "needs a list of options" in problem.message


def test_a_required_list_naming_an_unknown_segment_points_at_that_entry(tmp_path: Path) -> None:
    text = MINIMAL.replace("required: true", "required: [smb, mid_market]")

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "mid_market")
    assert problem.path == "sections[0].fields[0].required[1]"
    assert "unknown segment 'mid_market'" in problem.message


def test_a_bad_duration_points_at_the_value(tmp_path: Path) -> None:
    text = MINIMAL + "slas:\n  packet_due:\n    after: 24 hours\n"

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "24 hours")
    assert problem.path == "slas.packet_due.after"
    assert "'24 hours' is not a duration" in problem.message


def test_a_yaml_syntax_error_gives_the_line_from_the_parser(tmp_path: Path) -> None:
    text = MINIMAL.replace("label: SMB", "label: SMB: small business")

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "SMB: small business")
    assert problem.message.startswith("not valid YAML")
    assert problem.hint is not None and "quotes" in problem.hint


def test_a_tab_indent_gets_a_hint_about_spaces(tmp_path: Path) -> None:
    text = MINIMAL.replace("    label: SMB", "\tlabel: SMB")

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "\tlabel")
    assert problem.hint == "indent with spaces; YAML does not allow tabs"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_a_config_error(tmp_path: Path, text: str) -> None:
    assert only_problem(tmp_path, text).message == "the file is empty"


def test_a_top_level_list_is_a_config_error(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, "- segments\n- sections\n")

    assert problem.line == 1
    assert "must be a mapping" in problem.message


def test_a_missing_file_says_so_and_how_to_point_at_another(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_playbook(tmp_path / "nowhere.yaml")

    assert "no such file" in str(caught.value)
    assert "BATON_CONFIG" in str(caught.value)


def test_a_missing_key_points_at_the_mapping_that_should_hold_it(tmp_path: Path) -> None:
    text = MINIMAL.replace("        label: Tier\n", "")

    problem = only_problem(tmp_path, text)

    assert problem.line == line_of(text, "id: tier")
    assert problem.path == "sections[0].fields[1].label"
    assert problem.message == "missing key 'label'"


def test_a_value_fitting_no_alternative_is_one_problem_not_one_per_alternative(tmp_path: Path) -> None:
    text = MINIMAL.replace("required: true", "required: maybe")

    problem = only_problem(tmp_path, text)

    assert problem.path == "sections[0].fields[0].required"
    assert problem.message == "Input should be a valid boolean or a valid list"


def test_a_number_where_text_belongs_suggests_quotes(tmp_path: Path) -> None:
    text = MINIMAL.replace("[Gold, Silver]", "[Gold, 2]")

    problem = only_problem(tmp_path, text)

    assert problem.path == "sections[0].fields[1].options[1]"
    assert problem.hint == "put it in quotes to make it text"


def test_several_problems_are_all_reported_in_file_order(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("    label: SMB\n", "    label: SMB\n    label: Small\n")
        .replace("type: long_text", "type: essay")
        .replace("required: true", "requierd: true")
        + "slas:\n  packet_due: {after: soon}\n"
    )

    problems = problems_of(tmp_path, text)

    assert [p.line for p in problems] == [
        line_of(text, "label: Small"),
        line_of(text, "type: essay"),
        line_of(text, "requierd"),
        line_of(text, "after: soon"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "needle", "occurrence", "path"),
    [
        ("id: tier", "id: goals", "id: goals", 2, "sections[0].fields[1].id"),
        ("- id: ent", "- id: smb", "id: smb", 2, "segments[1].id"),
        ("default_segment: smb", "default_segment: mid", "default_segment", 1, "default_segment"),
        ("type: long_text\n        required: true", "type: date\n        not_before: kickoff",
         "not_before", 1, "sections[0].fields[0].not_before"),
    ],
)
def test_a_playbook_wide_rule_points_at_the_line_it_is_about(
    tmp_path: Path, old: str, new: str, needle: str, occurrence: int, path: str,
) -> None:
    text = MINIMAL.replace(old, new)

    problem = only_problem(tmp_path, text)

    assert problem.path == path
    assert problem.line == line_of(text, needle, occurrence)


def test_yaml_1_1_surprises_are_read_as_text(tmp_path: Path) -> None:
    text = MINIMAL.replace("[Gold, Silver]", "[Yes, No, On]") + (
        "quiet_hours:\n  start: 19:00\n  holidays: [2026-12-25]\n"
    )

    playbook = load_playbook(write(tmp_path, text))

    assert playbook.field("tier").options == ["Yes", "No", "On"]
    assert playbook.quiet_hours.start == time(19, 0)
    assert playbook.quiet_hours.holidays == ["2026-12-25"]


def test_a_config_error_renders_file_line_column_path_message_and_hint() -> None:
    error = ConfigError(
        [Problem("sections[2].fields[0].type", 14, 15, "Input should be 'text'", "did you mean 'text'?")],
        source="app.yaml",
    )

    assert str(error) == (
        "app.yaml:14:15: sections[2].fields[0].type: Input should be 'text' (hint: did you mean 'text'?)"
    )


# --------------------------------------------------------------------------- schema and path


def test_the_json_schema_is_valid_json_with_the_playbook_keys() -> None:
    schema = json.loads(json.dumps(playbook_json_schema()))

    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"]
    assert {"default_segment", "segments", "sections", "slas", "roles", "channels"} <= set(
        schema["properties"]
    )
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["default_segment", "segments", "sections"]


def test_the_json_schema_accepts_times_without_seconds() -> None:
    start = playbook_json_schema()["$defs"]["QuietHours"]["properties"]["start"]

    assert "format" not in start
    assert start["pattern"].startswith("^")


def test_baton_config_names_the_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_CONFIG", str(tmp_path / "custom.yaml"))

    assert default_config_path() == tmp_path / "custom.yaml"


def test_without_baton_config_the_app_yaml_in_the_working_directory_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, MINIMAL)

    assert default_config_path().resolve() == (tmp_path / "app.yaml").resolve()


def test_without_a_local_app_yaml_the_shipped_playbook_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    assert default_config_path() in {ROOT_CONFIG, PACKAGED_CONFIG}
    assert load_playbook(default_config_path()).segments
