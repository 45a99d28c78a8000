"""Page routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from tierdesk.web import accounts, desk, kb, new_ticket, quarantine, reports, status, tickets, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("login/code/", accounts.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", accounts.register, name="register"),
    path("register/confirm/<str:token>/", accounts.register_confirm, name="register_confirm"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path("password-reset/sent/", accounts.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", accounts.password_reset_complete, name="password_reset_complete"),
    path("account/", accounts.account, name="account"),
    path("organisation/", accounts.organisation, name="organisation"),
    path("healthz", views.health, name="health"),
    path("desk/", desk.queue_page, name="desk"),
    path("desk/views", desk.save_view, name="save_view"),
    path("desk/views/<int:pk>/delete", desk.delete_view, name="delete_view"),
    path("desk/phone/", desk.phone, name="phone"),
    path("tickets/new/", new_ticket.new_ticket, name="new_ticket"),
    path("tickets/new/notices", new_ticket.notices, name="new_ticket_notices"),
    path("tickets/<str:number>/incident", status.link_mine, name="ticket_incident"),
    path("tickets/<str:number>/presence", desk.presence, name="presence"),
    path("tickets/<str:number>/article", kb.article_from_ticket, name="ticket_article"),
    path("tickets/<str:number>/", tickets.ticket_page, name="ticket"),
    path("tickets/<str:number>/<str:verb>", tickets.ticket_action, name="ticket_action"),
    path("kb/", kb.article_list, name="kb_list"),
    path("kb/suggest", kb.suggestions, name="kb_suggest"),
    path("kb/new/", kb.article_new, name="kb_new"),
    path("kb/<slug:slug>/", kb.article_page, name="kb_article"),
    path("kb/<slug:slug>/edit", kb.article_edit, name="kb_edit"),
    path("kb/<slug:slug>/publish", kb.article_publish, name="kb_publish"),
    path("status/", status.page, name="status"),
    path("status/incidents", status.declare, name="incident_declare"),
    path("status/incidents/<int:pk>/updates", status.update, name="incident_update"),
    path("status/incidents/<int:pk>/tickets", status.link, name="incident_link"),
    path("status/maintenance", status.announce, name="maintenance_announce"),
    path("reports/", reports.report_page, name="reports"),
    path("desk/quarantine/", quarantine.quarantine, name="quarantine"),
    path("desk/quarantine/<int:pk>/", quarantine.held_message, name="held_message"),
    path("desk/quarantine/<int:pk>/process", quarantine.reprocess, name="reprocess"),
]
