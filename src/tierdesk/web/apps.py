"""The Django app that holds the pages' templates and static files."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tierdesk.web"
    label = "web"
