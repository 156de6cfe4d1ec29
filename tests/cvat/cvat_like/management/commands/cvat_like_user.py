"""Makes a CVAT password user with a CVAT token, as CVAT's sign-up would (tests only)."""
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default="")
        parser.add_argument("--token", default="")
        parser.add_argument("--superuser", action="store_true", help="as CVAT's createsuperuser")

    def handle(self, username, email, password, token, superuser, **options):
        make = User.objects.create_superuser if superuser else User.objects.create_user
        user = make(username=username, email=email, password=password or None)
        if token:
            Token.objects.create(user=user, key=token)
        self.stdout.write(str(user.pk))
