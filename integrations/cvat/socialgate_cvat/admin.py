"""Django's admin (CVAT has it at /admin): the links, and the tombstones an operator deletes to let
the socialgate user of a deleted CVAT user sign in again (as a new CVAT user)."""
from django.contrib import admin

from .models import SocialgateLink, SocialgateTombstone


@admin.register(SocialgateTombstone)
class SocialgateTombstoneAdmin(admin.ModelAdmin):
    list_display = ("socialgate_user_id", "socialgate_username", "deleted_username", "deleted_user_pk", "created")
    search_fields = ("socialgate_user_id", "socialgate_username", "deleted_username")
    readonly_fields = ("socialgate_user_id", "socialgate_username", "deleted_user_pk", "deleted_username", "created")

    def has_add_permission(self, request):
        return False  # made when a CVAT user is deleted; deleting one lets its person back


@admin.register(SocialgateLink)
class SocialgateLinkAdmin(admin.ModelAdmin):
    list_display = ("socialgate_user_id", "socialgate_username", "provider", "user", "created")
    search_fields = ("socialgate_user_id", "socialgate_username", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("socialgate_user_id", "socialgate_username", "provider", "created")
