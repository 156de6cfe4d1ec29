from django.contrib import admin
from django.urls import path, re_path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),  # CVAT's
    path("api/auth/register", views.RegisterView.as_view(), name="rest_register"),
    path("api/users/<int:pk>", views.UserView.as_view(), name="user-detail"),
    path("api/auth/login", views.LoginView.as_view(), name="rest_login"),
    path("api/auth/logout", views.LogoutView.as_view(), name="rest_logout"),
    path("api/users/self", views.SelfView.as_view(), name="users_self"),
    # CVAT's UI (a separate container in CVAT; here the same server, behind the same nginx rule).
    re_path(r"^(?!api/|admin|static/|django-rq)(?P<path>.*)$", views.ui),
]
