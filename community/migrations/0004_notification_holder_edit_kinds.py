from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_claims_follows_notifications_saved_searches"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("claim_approved", "Demande de porteur approuvée"),
                    ("claim_rejected", "Demande de porteur refusée"),
                    ("project_news", "Actualité d'un projet suivi"),
                    ("project_updated", "Projet suivi mis à jour"),
                    ("discussion_started", "Nouvelle discussion"),
                    ("commented", "Nouveau commentaire"),
                    ("project_linked", "Projet suivi par un espace"),
                    ("search_match", "Nouveau projet pour une recherche enregistrée"),
                    ("edit_published", "Modification du porteur publiée"),
                    ("edit_needs_changes", "Modification du porteur à revoir"),
                ],
                db_index=True,
                max_length=30,
            ),
        ),
    ]
