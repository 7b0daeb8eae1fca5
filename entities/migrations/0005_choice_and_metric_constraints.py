"""The database refuses a choice field's unknown value and a second metric of one name."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('entities', '0004_backfill_display_path_and_drop_duplicate_metrics'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='entity',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['core', 'supplementary'])), name='entity_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['tech_stack', 'tech_debt', 'risk', 'next_step'])), name='item_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.CheckConstraint(condition=models.Q(('severity__in', ['critical', 'high', 'medium', 'low', ''])), name='item_severity_valid'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.CheckConstraint(condition=models.Q(('persona__in', ['ceo', 'cto', 'cfo', 'cmo', 'cao'])), name='membership_persona_valid'),
        ),
        migrations.AddConstraint(
            model_name='metric',
            constraint=models.UniqueConstraint(fields=('snapshot', 'section', 'name'), name='metric_unique_snapshot_section_name'),
        ),
        migrations.AddConstraint(
            model_name='metric',
            constraint=models.CheckConstraint(condition=models.Q(('section__in', ['kpis', 'financials', 'marketing'])), name='metric_section_valid'),
        ),
        migrations.AddConstraint(
            model_name='sourcefile',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['ok', 'warnings', 'error'])), name='sourcefile_status_valid'),
        ),
    ]
