"""Storage: Django models, migrations, and the one mapping between rows and domain values."""
