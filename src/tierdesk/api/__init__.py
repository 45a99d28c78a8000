"""REST API v1: django-ninja routers, schemas and the one error mapping."""
