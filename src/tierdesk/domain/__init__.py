"""The pure core: decisions over frozen values. No Django, no I/O, no clock."""
