"""Where a note is shown from, and the size and mtime the hourly ingest compares."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0002_hourly_ingest_schedule'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='snapshot',
            name='display_path',
            field=models.CharField(blank=True, help_text='As shown: relative to the folder it was read from.', max_length=1000),
        ),
        migrations.AddField(
            model_name='sourcefile',
            name='display_path',
            field=models.CharField(blank=True, help_text='As shown: relative to the folder it was read from.', max_length=1000),
        ),
        migrations.AddField(
            model_name='sourcefile',
            name='mtime_ns',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='sourcefile',
            name='size',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='entity',
            name='slug',
            field=models.SlugField(help_text="The entity's id everywhere: URLs, notes, API.", unique=True, validators=[django.core.validators.RegexValidator('^[a-z0-9]+(?:-[a-z0-9]+)*\\Z', 'Lower-case letters, digits and hyphens.')]),
        ),
        migrations.AlterField(
            model_name='snapshot',
            name='source_path',
            field=models.CharField(help_text='Absolute, on the server.', max_length=1000),
        ),
        migrations.AlterField(
            model_name='sourcefile',
            name='path',
            field=models.CharField(help_text='Absolute, on the server.', max_length=1000, unique=True),
        ),
        migrations.AlterField(
            model_name='sourcefile',
            name='status',
            field=models.CharField(choices=[('ok', 'OK'), ('warnings', 'Warnings'), ('error', 'Error')], max_length=10),
        ),
    ]
