"""socialgate_cvat: CVAT (Django + Django REST framework) accepts socialgate's sign-ins.

Installed by settings only: DJANGO_SETTINGS_MODULE=socialgate_cvat.settings (see settings.py).
"""
default_app_config = "socialgate_cvat.apps.SocialgateCvatConfig"  # Django 3.2 (ignored by 4.x)
