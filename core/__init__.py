"""Baton's domain: handoffs, packets, playbook rules and metrics, free of chat, HTTP and SQL."""
