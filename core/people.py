"""People on a handoff and the actors who touch it, with their roles resolved from the playbook."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from core.playbook import Roles


class Role(StrEnum):
    SALES_MANAGER = "sales_manager"
    CS_MANAGER = "cs_manager"
    REVOPS = "revops"
    SYSTEM = "system"


MANAGER_ROLES = frozenset({Role.SALES_MANAGER, Role.CS_MANAGER})


@dataclass(frozen=True)
class Person:
    """Someone named on a handoff, known by email (from the CRM, the playbook, or chat's member
    details) and, once a chat platform resolves them, by one id per platform: `slack` -> `U…`,
    `teams` -> `29:…` or an AAD object id. The core never checks an id's shape; each adapter
    validates its own platform's ids at its edge."""

    email: str
    chat_ids: tuple[tuple[str, str], ...] = ()  # (platform, id), one per platform, sorted

    @classmethod
    def of(cls, email: str, **ids: str | None) -> Person:
        """`Person.of("ana@x.test", slack="U024BE7LH", teams="29:1a…")`; empty ids are left out."""
        return cls(email, tuple(sorted((p, i) for p, i in ids.items() if i)))

    def id_on(self, platform: str) -> str | None:
        return next((i for p, i in self.chat_ids if p == platform), None)

    def with_id(self, platform: str, chat_id: str) -> Person:
        """The same person, now also known on `platform` by `chat_id` (replacing an older id)."""
        return Person.of(self.email, **(dict(self.chat_ids) | {platform: chat_id}))

    def matches(self, actor: Actor) -> bool:
        if any(actor.id == chat_id for _, chat_id in self.chat_ids):
            return True
        return actor.email is not None and actor.email.lower() == self.email.lower()


@dataclass(frozen=True)
class Actor:
    """Whoever fires a trigger: a chat user (their id on the platform they clicked in, email,
    user groups) or the system itself."""

    id: str
    email: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @classmethod
    def system(cls, name: str = "crm") -> Actor:
        return cls(id=f"system:{name}", roles=frozenset({Role.SYSTEM}))

    @property
    def is_manager(self) -> bool:
        return bool(self.roles & MANAGER_ROLES)


def roles_of(roles: Roles, *, user_id: str, email: str | None, groups: Iterable[str] = ()) -> frozenset[Role]:
    """The playbook roles a chat user holds. Entries name people by email (preferred: the same on
    every platform), by a chat user id (a Slack `U…` as before, or a Teams id), or by @group."""
    keys = {user_id.lower()} | {f"@{g.lstrip('@').lower()}" for g in groups}
    if email:
        keys.add(email.lower())
    members = {
        Role.SALES_MANAGER: roles.sales_managers,
        Role.CS_MANAGER: roles.cs_managers,
        Role.REVOPS: roles.revops,
    }
    return frozenset(r for r, entries in members.items() if keys & {e.lower() for e in entries})


def actor_for(roles: Roles, *, user_id: str, email: str | None, groups: Iterable[str] = ()) -> Actor:
    """Build an Actor with its roles looked up in the playbook."""
    return Actor(id=user_id, email=email, roles=roles_of(roles, user_id=user_id, email=email, groups=groups))
