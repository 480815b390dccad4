"""The metrics chart inside a Teams card is drawn as sharp as a Teams message allows, never larger."""

from __future__ import annotations

import json
import os

import pytest

from bot.reporting.teams_card import CARD_BYTES, chart_card, fitting_card
from core.reporting import ChartImage


def fake_render(bytes_per_dpi_squared: float, asked: list[int]):  # type: ignore[no-untyped-def]
    def render(dpi: int) -> ChartImage:
        asked.append(dpi)
        png = os.urandom(int(bytes_per_dpi_squared * dpi * dpi))  # random bytes do not compress, like a busy chart
        return ChartImage(png=png, alt_text="Completion 80%", red_flags=("completion rate 80% is under 85%",),
                          width=12 * dpi, height=8 * dpi)
    return render


def test_a_chart_too_large_for_a_teams_message_is_redrawn_smaller_until_its_card_fits() -> None:
    asked: list[int] = []
    card = fitting_card(fake_render(12.0, asked), lambda chart: chart_card(chart, "Handoff metrics"))
    assert len(json.dumps(card)) <= CARD_BYTES < 28 * 1024
    assert asked[0] == 50 and len(asked) >= 2 and asked[-1] < asked[0]
    assert "🚩 completion rate 80% is under 85%" in json.dumps(card, ensure_ascii=False)


def test_a_chart_that_fits_is_drawn_once_at_the_first_resolution() -> None:
    asked: list[int] = []
    fitting_card(fake_render(2.0, asked), lambda chart: chart_card(chart, "Handoff metrics"))
    assert asked == [50]


def test_a_chart_that_cannot_fit_says_so_instead_of_sending_a_message_teams_refuses() -> None:
    with pytest.raises(ValueError, match="a Teams message holds"):
        fitting_card(fake_render(400.0, []), lambda chart: chart_card(chart, "Handoff metrics"))
