"""The ASGI application the server runs: the pages and the API as before (Django's ASGI handler,
whitenoise and every middleware unchanged), and the live sockets of the pages and the chat."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.config.settings")
http = get_asgi_application()  # sets Django up before the socket routes import models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from tierdesk.web.live_urls import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http,
        # The session cookie authenticates a socket as it does a page; a socket opened from
        # another site's page (its Origin not one of ours) is refused before it is read.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
