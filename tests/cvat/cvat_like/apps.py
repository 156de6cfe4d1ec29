from django.apps import AppConfig


class CvatLikeConfig(AppConfig):
    name = "cvat_like"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import signals
        signals.register_signals(self)
