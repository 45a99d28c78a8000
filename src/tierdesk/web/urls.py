"""Page routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from tierdesk.web import new_ticket, quarantine, tickets, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="tierdesk/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.health, name="health"),
    path("tickets/new/", new_ticket.new_ticket, name="new_ticket"),
    path("tickets/<str:number>/", tickets.ticket_page, name="ticket"),
    path("tickets/<str:number>/<str:verb>", tickets.ticket_action, name="ticket_action"),
    path("desk/quarantine/", quarantine.quarantine, name="quarantine"),
    path("desk/quarantine/<int:pk>/", quarantine.held_message, name="held_message"),
    path("desk/quarantine/<int:pk>/process", quarantine.reprocess, name="reprocess"),
]
