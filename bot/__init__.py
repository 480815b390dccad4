"""Adapters: Slack, Teams, HTTP, the scheduler and the CLI, all depending on the core."""
