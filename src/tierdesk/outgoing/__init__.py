"""How an outgoing notification is composed (threading, tags, templates per language). Below
the edges: the outbox job sends what it builds."""
