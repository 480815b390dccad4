"""Who Baton has met in Teams: conversation references (to reach a thread or a personal chat
later, proactively) and each person's email and time zone (to match the playbook's people)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from botbuilder.schema import ConversationReference


@dataclass(frozen=True)
class TeamsPerson:
    """A Teams user as Baton knows them; `email` is how the playbook names people."""

    user_id: str  # "29:..." in this tenant's conversations
    aad_object_id: str | None
    name: str | None
    email: str | None
    timezone: str | None


class TeamsDirectory:
    """In-process store; the outbox dispatcher reads references from here to send proactively."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._references: dict[str, ConversationReference] = {}
        self._personal: dict[str, str] = {}  # aad object id -> personal conversation id
        self._people: dict[str, TeamsPerson] = {}

    def remember(self, reference: ConversationReference, *, personal_for: str | None = None) -> None:
        assert reference.conversation is not None
        with self._lock:
            self._references[reference.conversation.id] = reference
            if personal_for:
                self._personal[personal_for] = reference.conversation.id

    def reference(self, conversation_id: str) -> ConversationReference | None:
        with self._lock:
            return self._references.get(conversation_id)

    def personal_chat(self, aad_object_id: str) -> ConversationReference | None:
        """The 1:1 chat with a person, if they installed the app personally (else: @mention them)."""
        with self._lock:
            conversation_id = self._personal.get(aad_object_id)
            return self._references.get(conversation_id) if conversation_id else None

    def person(self, user_id: str) -> TeamsPerson | None:
        with self._lock:
            return self._people.get(user_id)

    def by_email(self, email: str) -> TeamsPerson | None:
        with self._lock:
            return next((p for p in self._people.values() if p.email and p.email.lower() == email.lower()), None)

    def record(self, person: TeamsPerson) -> None:
        with self._lock:
            self._people[person.user_id] = person
