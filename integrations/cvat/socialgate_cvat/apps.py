from django.apps import AppConfig


class SocialgateCvatConfig(AppConfig):
    name = "socialgate_cvat"
    label = "socialgate_cvat"
    verbose_name = "socialgate sign-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import pre_delete

        from . import conf, signals

        conf.check()
        user_logged_out.connect(signals.end_socialgate_session, dispatch_uid="socialgate_cvat_logout")
        pre_delete.connect(signals.bury_links, sender=get_user_model(), dispatch_uid="socialgate_cvat_user_deleted")
