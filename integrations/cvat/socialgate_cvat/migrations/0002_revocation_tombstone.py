from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("socialgate_cvat", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SocialgateRevocation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("expires", models.DateTimeField(db_index=True)),
            ],
            options={"verbose_name": "socialgate revocation"},
        ),
        migrations.CreateModel(
            name="SocialgateTombstone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("socialgate_user_id", models.CharField(max_length=64, unique=True)),
                ("socialgate_username", models.CharField(max_length=150)),
                ("deleted_user_pk", models.CharField(max_length=64)),
                ("deleted_username", models.CharField(blank=True, default="", max_length=150)),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
            options={"verbose_name": "socialgate user of a deleted CVAT user",
                     "verbose_name_plural": "socialgate users of deleted CVAT users"},
        ),
    ]
