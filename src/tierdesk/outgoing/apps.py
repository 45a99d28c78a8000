"""The Django app that holds the notification mail templates."""

from django.apps import AppConfig


class OutgoingConfig(AppConfig):
    name = "tierdesk.outgoing"
    label = "tierdesk_outgoing"
