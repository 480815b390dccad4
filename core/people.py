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
    """Someone named on a handoff. Email comes from the CRM; the chat id once chat resolves it."""

    email: str
    chat_id: str | None = None

    def matches(self, actor: Actor) -> bool:
        if self.chat_id is not None and actor.id == self.chat_id:
            return True
        return actor.email is not None and actor.email.lower() == self.email.lower()


@dataclass(frozen=True)
class Actor:
    """Whoever fires a trigger: a chat user (id, email, user groups) or the system itself."""

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
    """The playbook roles a chat user holds; entries may be a user id, an email or an @group."""
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
