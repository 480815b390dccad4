"""The playbook (app.yaml) as typed, validated objects: the only form in which the core sees config.

Parsing YAML and mapping errors to line numbers is an adapter's job (bot/config.py); here we
only say what a valid playbook is, so the rules live beside the domain that obeys them.
"""

from __future__ import annotations

import re
import string
from datetime import date, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.crm_mapping import CrmMapping
from core.durations import parse_duration

_ID = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    """Unknown keys are typos in a playbook, so they are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    USER = "user"
    USERS = "users"
    EMAIL = "email"
    URL = "url"
    CHECKBOX = "checkbox"


_CHOICE_TYPES = {FieldType.SELECT, FieldType.MULTI_SELECT}
_TEXT_TYPES = {FieldType.TEXT, FieldType.LONG_TEXT}


class FieldSpec(_Strict):
    """One packet field: what it holds, when it is required, how it is checked."""

    id: Annotated[str, Field(pattern=_ID, max_length=60)]
    label: Annotated[str, Field(min_length=1, max_length=150)]
    type: FieldType
    required: bool | list[str] = Field(
        default=False,
        description="true for every segment, or the list of segment ids that require it",
    )
    help: str | None = Field(default=None, max_length=150)
    placeholder: str | None = Field(default=None, max_length=150)
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1, le=3000)
    pattern: str | None = None
    pattern_hint: str | None = None
    # Slack caps a static select at 100 options of up to 75 characters each.
    options: Annotated[list[Annotated[str, Field(min_length=1, max_length=75)]], Field(max_length=100)] | None = None
    min_value: float | None = None
    max_value: float | None = None
    not_before: str | None = Field(
        default=None,
        description="for dates: 'close_date' or another date field id this date may not precede",
    )
    llm_fill: bool = False

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type in _CHOICE_TYPES and not self.options:
            raise ValueError(f"field {self.id!r} is a {self.type} and needs a list of options")
        if self.options is not None and self.type not in _CHOICE_TYPES:
            raise ValueError(f"field {self.id!r} has options but is a {self.type}")
        if self.options is not None and len(set(self.options)) != len(self.options):
            raise ValueError(f"field {self.id!r} lists an option twice")
        if (self.min_length or self.max_length or self.pattern) and self.type not in _TEXT_TYPES:
            raise ValueError(f"min_length, max_length and pattern apply to text fields, not {self.type}")
        if self.min_length and self.max_length and self.min_length > self.max_length:
            raise ValueError(f"field {self.id!r} has min_length above max_length")
        if self.not_before is not None and self.type is not FieldType.DATE:
            raise ValueError(f"not_before applies to date fields, not {self.type}")
        if self.not_before == self.id:
            raise ValueError(f"field {self.id!r} cannot be not_before itself")
        if (self.min_value is not None or self.max_value is not None) and self.type is not FieldType.NUMBER:
            raise ValueError(f"min_value and max_value apply to number fields, not {self.type}")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"field {self.id!r} has min_value above max_value")
        return self

    def required_in(self, segment: str) -> bool:
        """Whether this field must be filled for a handoff of that segment."""
        return self.required if isinstance(self.required, bool) else segment in self.required


class Section(_Strict):
    """A step of the packet modal: a titled group of fields."""

    id: Annotated[str, Field(pattern=_ID)]
    title: Annotated[str, Field(min_length=1, max_length=60)]
    fields: Annotated[list[FieldSpec], Field(min_length=1)]


class Place(StrEnum):
    CHANNEL = "channel"
    THREAD = "thread"


class Platform(StrEnum):
    """The chat platform a segment's handoffs live on (each has its own adapter)."""

    SLACK = "slack"
    TEAMS = "teams"


def _duration(value: str | None) -> str | None:
    if value is not None:
        parse_duration(value)
    return value


class Ladder(_Strict):
    """How a timer nags: a heads-up before the due time, a nudge at it, repeats every
    `repeat_every`, and once `misses_before_escalation` nudges went unanswered, the holder's
    manager (sales managers for the AE's timers, CS managers for the CSM's, RevOps for managers')."""

    remind_before: str | None = "4h"
    repeat_every: str = "1d"  # with business_hours: the next working day, same time
    misses_before_escalation: int = Field(default=2, ge=1, le=20)
    escalate: bool = True

    _durations = field_validator("remind_before", "repeat_every")(_duration)


class Sla(_Strict):
    """A due time counted from an event; business hours skip nights, weekends and holidays."""

    after: str
    business_hours: bool = False
    ladder: Ladder | None = Field(default=None, description="this timer's own ladder; default: nudges.ladder")

    @field_validator("after")
    @classmethod
    def _is_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def delta(self) -> timedelta:
        return parse_duration(self.after)


class Slas(_Strict):
    """The timers of a handoff, each from the event named in its docstring."""

    packet_due: Sla = Sla(after="24h")  # from the trigger
    acceptance_due: Sla = Sla(after="24h")  # from submission
    override_decision_due: Sla = Sla(after="8h", business_hours=True)  # from the request
    first_touch_due: Sla = Sla(after="48h")  # from close
    kickoff_due: Sla = Sla(after="5d", business_hours=True)  # from acceptance
    feedback_after: Sla = Sla(after="14d")  # from kickoff
    checkin_after: Sla = Sla(after="30d")  # from acceptance
    notify_csm_within: Sla = Sla(after="5m")  # from the trigger


class Segment(_Strict):
    """A tier of handoff: how deals reach it, where it lives in chat, who may take it."""

    id: Annotated[str, Field(pattern=_ID)]
    label: str
    crm_values: list[str] = Field(default_factory=list)
    min_amount: Decimal | None = Field(default=None, ge=0)
    max_amount: Decimal | None = Field(default=None, ge=0)
    place: Place = Place.THREAD  # Slack: a channel per deal or a thread; Teams: always a thread
    platform: Platform | None = None  # None: the one chat platform configured (Slack when both are)
    live_call_required: bool = False
    csm_pool: list[str] = Field(default_factory=list)
    slas: Slas | None = None

    @model_validator(mode="after")
    def _amounts_ordered(self) -> Self:
        low, high = self.min_amount, self.max_amount
        if low is not None and high is not None and low >= high:
            raise ValueError(f"segment {self.id!r}: min_amount must be below max_amount")
        return self

    def takes_amount(self, amount: Decimal) -> bool:
        low_ok = self.min_amount is None or amount >= self.min_amount
        high_ok = self.max_amount is None or amount < self.max_amount
        return low_ok and high_ok and (self.min_amount is not None or self.max_amount is not None)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Roles(_Strict):
    """People by email (preferred: the same on Slack and Teams), by a chat user id (a Slack `U…`,
    still accepted as before, or a Teams id), or by user-group handle (@cs-leads)."""

    sales_managers: list[str] = Field(default_factory=list)
    cs_managers: list[str] = Field(default_factory=list)
    revops: list[str] = Field(default_factory=list)
    # Who reports to whom, for metrics and exports: a manager's email -> the emails of their AEs
    # and CSMs. A manager listed here sees their team's handoffs; one not listed sees everyone's.
    manager_teams: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("manager_teams")
    @classmethod
    def _teams_by_email(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for manager, members in value.items():
            for address in (manager, *members):
                if not _EMAIL.match(address):
                    raise ValueError(f"manager_teams names people by email; {address!r} is not one")
        return {m.lower(): [e.lower() for e in members] for m, members in value.items()}

    def team_of(self, email: str | None) -> tuple[str, ...] | None:
        """The emails a manager's reports cover (themselves included), None when not configured."""
        members = self.manager_teams.get((email or "").lower())
        return None if members is None else tuple(dict.fromkeys([(email or "").lower(), *members]))


class Channels(_Strict):
    """Where handoffs live in chat."""

    name_template: str = "handoff-{account}-{deal_id}"
    private: bool = True
    shared_channel: str = "handoffs"
    managers_channel: str | None = None

    @field_validator("name_template")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        allowed = {"account", "deal_id", "deal", "segment", "handoff_id"}
        try:  # the same parser str.format uses, so "{}", "{account!r}" or a lone "{" fail here
            parts = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(value) if name is not None]
        except ValueError as exc:
            raise ValueError(f"name_template is not a valid template: {exc}") from exc
        for name, spec, conv in parts:
            if name not in allowed:
                raise ValueError(f"unknown placeholder {name!r}; use {', '.join(sorted(allowed))}")
            if spec or conv:
                raise ValueError(f"write the placeholder plainly as {{{name}}}, without ! or :")
        return value


class TeamsPlaces(_Strict):
    """Where handoffs live in Microsoft Teams: one thread per deal in a channel of a team Baton
    is installed in. The ids are in the channel's link ("Get link to channel")."""

    channel_id: Annotated[str, Field(pattern=r"^19:[^\s]+@thread\.(tacv2|skype)$")] | None = None
    managers_channel_id: Annotated[str, Field(pattern=r"^19:[^\s]+@thread\.(tacv2|skype)$")] | None = None
    service_url: str = "https://smba.trafficmanager.net/teams/"  # replaced by what Teams tells Baton


class QuietHours(_Strict):
    """Hours in a person's own time zone when Baton sends nothing that can wait."""

    start: time = time(19, 0)
    end: time = time(8, 0)
    default_timezone: str = "UTC"
    weekends: bool = True
    holidays: list[str] = Field(default_factory=list, description="ISO dates, YYYY-MM-DD")

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone; write it like America/New_York or UTC") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _iso_dates(cls, value: list[str]) -> list[str]:
        for day in value:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"holiday {day!r} is not a date; write it like 2026-12-25") from None
        return value


class Thresholds(_Strict):
    """Red-flag lines for the metrics (defaults from revenue-operations practice)."""

    completion_rate_min: float = Field(default=0.85, ge=0, le=1)
    first_touch_max_hours: float = Field(default=48, gt=0)
    escalation_rate_max: float = Field(default=0.20, ge=0, le=1)
    override_rate_max: float = Field(default=0.15, ge=0, le=1)
    repeat_ask_rate_max: float = Field(default=0.10, ge=0, le=1)
    quality_rating_min: float = Field(default=3.5, ge=1, le=5)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WeeklyDigest(_Strict):
    """The week's metrics and overdue handoffs, posted to channels.managers_channel."""

    enabled: bool = True
    day: Weekday = "mon"
    at: time = time(9, 0)
    timezone: str | None = Field(default=None, description="default: quiet_hours.default_timezone")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not a time zone; write it like America/New_York or UTC") from None
        return value


class SampleAudit(_Strict):
    """The monthly audit of random handoffs (the cure for process drift): posted to RevOps."""

    enabled: bool = True
    size: int = Field(default=5, ge=1, le=50, description="handoffs accepted last month, drawn at random")
    at: time = time(9, 0)


class Nudges(_Strict):
    """How SLA timers remind people without drowning them."""

    ladder: Ladder = Ladder()
    daily_budget: int = Field(default=6, ge=1, le=100, description="messages per person per local day")
    digest_window: str = Field(default="15m", description="a person's nudges due this close together go as one")
    snooze: str = "4h"
    sweep_every: str = "30s"
    weekly_digest: WeeklyDigest = WeeklyDigest()
    sample_audit: SampleAudit = Field(default_factory=lambda: SampleAudit())

    _durations = field_validator("digest_window", "snooze", "sweep_every")(_duration)


class LlmPolicy(_Strict):
    """How call notes may be used to draft packet values (only when an LLM is configured)."""

    redact_emails: bool = False  # replace email addresses with [EMAIL_1]… before notes leave Baton
    redact_phones: bool = False  # likewise phone numbers, as [PHONE_1]…
    max_notes_chars: int = Field(default=60_000, ge=1_000, le=1_000_000)
    chunk_chars: int = Field(default=12_000, ge=1_000, le=400_000)  # one request's share of the notes


class Playbook(_Strict):
    """The whole of app.yaml."""

    version: Literal[1] = 1
    trigger_stage: str | Annotated[list[str], Field(min_length=1)] = "Closed Won"
    # What a deal leaving the trigger stage before acceptance does: wait (hold) or stop (cancel).
    deal_left_stage: Literal["hold", "cancel"] = "hold"
    default_segment: str
    segments: Annotated[list[Segment], Field(min_length=1)]
    sections: Annotated[list[Section], Field(min_length=1)]
    slas: Slas = Slas()
    roles: Roles = Roles()
    channels: Channels = Channels()
    teams: TeamsPlaces = TeamsPlaces()
    quiet_hours: QuietHours = QuietHours()
    thresholds: Thresholds = Thresholds()
    llm: LlmPolicy = LlmPolicy()
    nudges: Nudges = Nudges()
    crm: CrmMapping = CrmMapping()

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        """Report every broken reference at once, one per line, so a single edit fixes them all."""
        segment_ids = [s.id for s in self.segments]
        dates = {f.id for f in self.fields if f.type is FieldType.DATE}
        problems = [
            *_repeats("segment", segment_ids),
            *_repeats("section", [s.id for s in self.sections]),
            *_repeats("field", [f.id for f in self.fields]),
        ]
        if not self.trigger_stages:
            problems.append("trigger_stage is empty; name the stage that starts a handoff, e.g. Closed Won")
        if self.default_segment not in segment_ids:
            problems.append(
                f"default_segment {self.default_segment!r} is not a segment; "
                f"choose one of {', '.join(segment_ids)}"
            )
        field_ids = {f.id for f in self.fields}
        for side in ("hubspot", "salesforce"):
            problems += [f"crm.{side}.prefill names unknown packet field {fid!r}"
                         for fid in getattr(self.crm, side).prefill if fid not in field_ids]
        for spec in self.fields:
            if isinstance(spec.required, list):
                problems += [
                    f"field {spec.id!r} is required in unknown segment {seg!r}"
                    for seg in spec.required if seg not in segment_ids
                ]
            if spec.not_before not in (None, "close_date", *dates):
                known = any(f.id == spec.not_before for f in self.fields)
                problems.append(
                    f"field {spec.id!r}: not_before names {spec.not_before!r}, which is not a date field"
                    if known else f"field {spec.id!r}: not_before names unknown field {spec.not_before!r}"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def trigger_stages(self) -> tuple[str, ...]:
        """Every stage that starts a handoff (one pipeline's name, several, or a HubSpot stage id)."""
        stages = [self.trigger_stage] if isinstance(self.trigger_stage, str) else self.trigger_stage
        return tuple(s for s in stages if s.strip())

    @property
    def fields(self) -> list[FieldSpec]:
        return [f for s in self.sections for f in s.fields]

    def field(self, field_id: str) -> FieldSpec:
        for spec in self.fields:
            if spec.id == field_id:
                return spec
        raise KeyError(field_id)

    def segment(self, segment_id: str) -> Segment:
        for seg in self.segments:
            if seg.id == segment_id:
                return seg
        raise KeyError(segment_id)

    def required_fields(self, segment_id: str) -> tuple[str, ...]:
        return tuple(f.id for f in self.fields if f.required_in(segment_id))

    def slas_for(self, segment_id: str) -> Slas:
        return self.segment(segment_id).slas or self.slas


def _repeats(kind: str, ids: list[str]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for item in ids:
        if item in seen:
            problems.append(f"{kind} id {item!r} is used twice")
        seen.add(item)
    return problems
