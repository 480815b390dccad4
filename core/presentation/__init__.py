"""What a person sees, decided once as plain view-models that Slack and Teams only render.

Each module holds pure functions from domain objects (and the SLA planner's output) to frozen
dataclasses: `due` (the next deadline), `queue` (what must I do next), `card` (the handoff
card). Nothing here knows Block Kit or Adaptive Cards; a rule computed in two adapters drifts.
"""
