"""One outbox message's delivery to Teams: its recorded steps (a step done is never done again,
so a retry after a crash or a 429 resumes where it stopped) and the handoff's Teams references
(its thread, its card, the CSM's brief, the exception request)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from botbuilder.schema import ConversationReference

from bot.delivery import Undeliverable
from bot.notices import notices_for
from bot.teams import render
from bot.teams.cards import Button, execute
from bot.teams.directory import TeamsPerson
from bot.teams.proactive import NotReachable, Posted, card_message
from core import events as ev
from core.handoff import Handoff
from core.presentation.brief import brief
from core.presentation.card import handoff_card
from core.presentation.due import plan_due
from core.presentation.queue import AE_HOLDS_PACKET
from core.sla import SlaPlanner

if TYPE_CHECKING:
    from bot.teams.delivery import TeamsDelivery

PREFIX = "teams."
Step = Callable[[], Awaitable[str]]


class Delivery:
    """One outbox message's delivery to Teams: its recorded steps and the handoff's Teams refs."""

    def __init__(self, target: TeamsDelivery, key: str, handoff: Handoff) -> None:
        self.t = target
        self.key = key
        self.handoff = handoff
        self.refs: dict[str, str] = {}

    async def load(self) -> None:
        stored = await asyncio.to_thread(self.t.refs.all, self.handoff.id)
        self.refs = {k.removeprefix(PREFIX): v for k, v in stored.items() if k.startswith(PREFIX)}

    async def step(self, name: str, action: Step) -> str:
        step_key = f"{self.key}:teams:{name}"
        done = await asyncio.to_thread(self.t.refs.step_result, step_key)
        if done is not None:
            return done
        result = await action()
        await asyncio.to_thread(self.t.refs.record_step, step_key, result, at=self.t.now())
        return result

    async def set_ref(self, name: str, value: str) -> None:
        self.refs[name] = value
        await asyncio.to_thread(self.t.refs.set, self.handoff.id, PREFIX + name, value, at=self.t.now())

    async def thread(self) -> ConversationReference | None:
        conversation = self.refs.get("thread")
        return await asyncio.to_thread(self.t.directory.reference, conversation) if conversation else None

    def card(self) -> dict[str, Any]:
        h, now = self.handoff, self.t.now()
        view = handoff_card(h, self.t.playbook, plan_due(h, SlaPlanner(self.t.playbook)))
        ids = {role: [p.user_id for p in [self._known(person.email)] if p]
               for role, person in (("csm", h.csm), ("ae", h.ae))}
        managers = [p.user_id for p in map(self._known, self.t.manager_emails()) if p] if view.awaiting_decision else []
        return render.handoff_card(view, now=now, csm_ids=ids["csm"], ae_ids=ids["ae"], manager_ids=managers)

    def _known(self, email: str) -> TeamsPerson | None:
        return self.t.directory.by_email(email)

    async def in_thread(self, activity: Any) -> Posted:
        thread = await self.thread()
        if thread is None:
            raise Undeliverable("the handoff has no Teams thread yet")
        return await self.t.messenger.send(thread, activity)

    async def update(self, posted: Posted, card: dict[str, Any]) -> str:
        await self.t.messenger.update(posted, card_message(card))
        return posted.activity_id

    async def refresh_card(self) -> None:
        """The card in the thread always shows the handoff as it is now, so replays converge."""
        thread, card_id = await self.thread(), self.refs.get("card")
        if thread is None or not card_id:
            return
        card = await asyncio.to_thread(self.card)
        await self.step("card", lambda: self.update(Posted(thread, card_id), card))

    async def reach(self, person: TeamsPerson | None, card: dict[str, Any], text: str) -> str:
        """Tell one person: their personal chat, else an @mention in the handoff's thread."""
        thread = await self.thread()
        if person is None:  # not in the team's roster: the thread still shows it, with the words
            if thread is None:
                raise NotReachable(text)
            return (await self.t.messenger.send(thread, card_message(card, (), text))).activity_id
        site = await self.t.site()  # the card carries the words; a thread @mention adds only the name
        posted = await self.t.messenger.tell(person, card_message(card), service_url=site.service_url,
                                              tenant_id=site.tenant_id, thread=thread)
        return json.dumps({"conversation": posted.reference.conversation.id, "activity": posted.activity_id})

    async def tell(self, audience: str, event: ev.Event, *, card: dict[str, Any] | None = None,
                   ref: str | None = None) -> None:
        """The notice for the AE or the CSM, to them; `card` replaces the plain notice card."""
        texts = [n.text for n in notices_for(event, self.handoff, self.t.playbook) if n.to == audience]
        if not texts and card is None:
            return
        email = self.handoff.ae.email if audience == "ae" else self.handoff.csm.email
        person = await self.t.person(email)
        body = card or render.notice_card(*texts)
        if audience == "ae" and card is None and self.handoff.status in AE_HOLDS_PACKET:
            fill = Button("Fill packet", "fill_packet", {"handoff_id": self.handoff.id}, "positive", dialog=True)
            body["actions"] = [execute(fill)]
        where = await self.step(f"tell_{audience}", lambda: self.reach(person, body, " ".join(texts)))
        if ref is not None:
            await self.set_ref(ref, where)

    async def announce(self, audience: str, event: ev.Event) -> None:
        texts = [n.text for n in notices_for(event, self.handoff, self.t.playbook) if n.to == audience]
        if texts and await self.thread() is not None:
            await self.step(f"announce_{audience}", lambda: self._post(texts))

    async def _post(self, texts: list[str]) -> str:
        return (await self.in_thread(card_message(render.notice_card(*texts), (), " ".join(texts)))).activity_id

    async def close_brief(self, outcome: str) -> None:
        """Take Accept / Escalate off the CSM's copy of the brief once one was used."""
        where = self.refs.get("brief", "")
        if not where.startswith("{"):
            return
        sent = json.loads(where)
        reference = await asyncio.to_thread(self.t.directory.reference, sent["conversation"])
        if reference is None:
            return
        card = render.brief_card(brief(self.handoff, self.t.playbook), with_buttons=False)
        card["body"].append({"type": "TextBlock", "text": f"**{outcome}**", "wrap": True})
        await self.step("close_brief", lambda: self.update(Posted(reference, sent["activity"]), card))
