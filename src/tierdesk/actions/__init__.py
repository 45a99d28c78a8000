"""The one write path: a function per business verb, atomic, recording every change as an event."""
