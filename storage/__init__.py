"""Persistence for handoffs: sqlmodel tables, repositories, the unit of work and migrations."""
