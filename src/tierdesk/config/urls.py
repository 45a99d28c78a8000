"""URL map: the probes and metrics, the API under /api/v1/, the pages at the root."""

from django.urls import include, path

from tierdesk.api.site import api
from tierdesk.web import health

urlpatterns = [
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("metrics", health.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language chooser
    path("", include("tierdesk.web.urls")),
]

handler404 = "tierdesk.config.errors.not_found"
handler500 = "tierdesk.config.errors.server_error"
