"""Tierdesk: a support desk for tiered, SLA-bound support chains."""

__version__ = "0.1.0"
