"""The core's exceptions: one rooted hierarchy, structured fields, words for people added at the edge."""

from __future__ import annotations

from collections.abc import Sequence


class BatonError(Exception):
    """Root of every error Baton raises on purpose."""


class DefinitionError(BatonError):
    """The state machine table itself is inconsistent (raised at import)."""


class HandoffNotFound(BatonError):
    """No handoff has that id or deal."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no handoff for {key!r}")
        self.key = key


class TransitionNotAllowed(BatonError):
    """The trigger does not leave the handoff's current state."""

    def __init__(self, handoff_id: str, status: str, trigger: str) -> None:
        super().__init__(f"handoff {handoff_id} is {status}: cannot {trigger}")
        self.handoff_id = handoff_id
        self.status = status
        self.trigger = trigger


class NotPermitted(BatonError):
    """The actor is not the person the rules allow to do this."""

    def __init__(self, actor_id: str, action: str, reason: str) -> None:
        super().__init__(f"{actor_id} may not {action}: {reason}")
        self.actor_id = actor_id
        self.action = action
        self.reason = reason


class PacketIncomplete(BatonError):
    """Required packet fields are empty and no override was approved."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__("missing required fields: " + ", ".join(missing))
        self.missing = tuple(missing)


class FieldInvalid(BatonError):
    """A packet value does not satisfy its field's rules."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(f"{field_id}: {message}")
        self.field_id = field_id
        self.message = message


class PacketInvalid(BatonError):
    """Several packet values failed validation at once; maps field id to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class MissingInput(BatonError):
    """A command lacks something a person must supply (a reason, a rating)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is required")
        self.what = what


class NoCsmAvailable(BatonError):
    """The segment's CSM pool is empty and the CRM named no CSM."""

    def __init__(self, segment: str) -> None:
        super().__init__(f"no CSM available for segment {segment!r}")
        self.segment = segment


class ConcurrencyConflict(BatonError):
    """Someone else changed the handoff first; reload and try again."""

    def __init__(self, handoff_id: str, expected_version: int) -> None:
        super().__init__(f"handoff {handoff_id} changed since version {expected_version}")
        self.handoff_id = handoff_id
        self.expected_version = expected_version


class DraftingError(BatonError):
    """Drafting packet values from call notes failed; the packet stays as it was."""


class NotesTooLong(DraftingError):
    """The notes are longer than the playbook's `llm.max_notes_chars`."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the notes are {length:,} characters; the limit is {limit:,}")
        self.length = length
        self.limit = limit


class ModelTimedOut(DraftingError):
    """The model did not answer in time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the model did not answer within {seconds:g} seconds")
        self.seconds = seconds


class ModelRefused(DraftingError):
    """The model declined to answer; its own words are kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the model refused: {reason}")
        self.reason = reason


class ModelReplyInvalid(DraftingError):
    """The model's answer is not the JSON object that was asked for."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the model's answer is not valid JSON: {detail}")
        self.detail = detail


class ModelUnavailable(DraftingError):
    """The model's server could not be reached, refused the key, or kept failing."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the model is unavailable: {detail}")
        self.detail = detail
