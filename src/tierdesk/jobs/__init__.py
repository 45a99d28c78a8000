"""Background work: what runs on a schedule, and the runners that trigger it."""
