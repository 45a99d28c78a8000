"""django-helpdesk at the root, as its documentation mounts it."""

from django.urls import include, path

urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
