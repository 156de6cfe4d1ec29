"""CVAT's cvat/apps/iam/signals.py (IAM_TYPE BASIC): role groups exist after migrate, and a new
user (not a superuser) joins the default role group(s)."""
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db.models.signals import post_migrate, post_save


def register_groups(sender, **kwargs):
    for role in settings.IAM_ROLES:
        Group.objects.get_or_create(name=role)


def create_user(sender, instance, created, **kwargs):
    if instance.is_superuser and instance.is_staff:
        instance.groups.add(Group.objects.get(name=settings.IAM_ADMIN_ROLE))
    elif created:
        for role in settings.IAM_DEFAULT_ROLES:
            instance.groups.add(Group.objects.get(name=role))


def register_signals(app_config):
    post_migrate.connect(register_groups, app_config)
    post_save.connect(create_user, sender=User)
