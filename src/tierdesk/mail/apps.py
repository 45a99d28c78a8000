"""The Django app that holds the mail templates."""

from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    label = "tierdesk_mail"
