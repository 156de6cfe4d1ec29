"""Tests only: `X-Served-By: cvat-like` on every answer, so the routing test can tell CVAT's server
from socialgate behind nginx, and what nginx forwarded."""


class ServedByMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Served-By"] = "cvat-like"
        response["X-Seen-Forwarded-For"] = request.META.get("HTTP_X_FORWARDED_FOR", "")
        return response
