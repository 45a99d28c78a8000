"""The Django app that owns the desk's tables."""

from django.apps import AppConfig


class PersistenceConfig(AppConfig):
    name = "tierdesk.persistence"
    label = "tierdesk"
    verbose_name = "Tierdesk"
    default_auto_field = "django.db.models.BigAutoField"
