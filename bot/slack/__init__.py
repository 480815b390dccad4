"""The Slack adapter: Bolt listeners, Block Kit views, the outbox dispatcher and a simulator."""
