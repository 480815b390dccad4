"""Block Kit views: pure functions from domain objects to Slack JSON (dicts and lists).

No I/O and no Slack client here; listeners call these and send the result. Every builder keeps
to Slack's limits (block counts, text lengths, option counts) by truncating with an ellipsis,
and escapes user-provided text so it can neither ping anyone nor break the formatting.

Import the modules by name (`from bot.slack.views import card, packet`): this package does not
re-export their functions, so a module and a function of the same name (`brief.brief`) never
shadow each other.

- card: `handoff_card`, `card_text`, `card_fields`
- brief: `brief`
- packet: `packet_steps`, `packet_modal`, `flagged_ref`; state: `read_step_values`, `value_of`
- forms: `escalate_modal`, `override_modal`, `decision_modal` and their `read_*`
- deal_form: `open_deal_modal`, `read_open_deal_form`
- threads: override request/decision, escalation, flip messages
- home: `home_view`; text: `/handoff` answers
"""
