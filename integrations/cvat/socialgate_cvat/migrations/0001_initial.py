from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SocialgateLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("socialgate_user_id", models.CharField(max_length=64, unique=True)),
                ("socialgate_username", models.CharField(max_length=150)),
                ("provider", models.CharField(blank=True, default="", max_length=64)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="socialgate_links", to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "socialgate link"},
        ),
    ]
