"""The live sockets' routes, beside the pages' (`urls.py`)."""

from django.urls import path

from tierdesk.web import live

websocket_urlpatterns = [
    path("live/tickets/<str:number>/", live.TicketSocket.as_asgi()),
    path("live/desk/", live.DeskSocket.as_asgi()),
]
