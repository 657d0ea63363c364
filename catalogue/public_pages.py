"""The pages a French public body must publish, created once as editable standard pages.

Mentions légales (loi n° 2004-575 du 21 juin 2004, art. 6), the déclaration d'accessibilité
(loi n° 2005-102, art. 47; RGAA 4.1 model) and the politique de confidentialité (RGPD, art. 13)
are ordinary `StandardPage`s that editors keep up to date in Wagtail. The texts say what this
software really does (data kept, cookies set, tests run); what only the publishing body can
know (its legal identity, its contact, its host) is left as a visible "[à compléter]".
`ensure_public_body_pages` (called by `load_sample_data`) never overwrites an edited page.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from .models import AccessibilityStatus, PublicBodySettings, StandardPage

TO_COMPLETE = "<strong>[à compléter par l'organisme éditeur]</strong>"
DEFENSEUR_DES_DROITS = (
    '<ul><li>écrire un message au <a href="https://formulaire.defenseurdesdroits.fr/">Défenseur '
    "des droits</a> (formulaire en ligne) ;</li>"
    '<li>contacter <a href="https://www.defenseurdesdroits.fr/carte-des-delegues">le délégué ou '
    "la déléguée du Défenseur des droits dans votre région</a> ;</li>"
    "<li>appeler le 09 69 39 00 00 (du lundi au vendredi, de 8 h à 20 h) ;</li>"
    "<li>envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des "
    "droits, Libre réponse 71120, 75342 Paris CEDEX 07.</li></ul>"
)


def _legal_notice() -> list:
    return [
        (
            "paragraph",
            "<h2>Éditeur du site</h2>"
            "<p>Le site « Carrefour des innovations sociales » est édité par "
            f"{TO_COMPLETE} (dénomination, statut, adresse du siège, numéro SIRET, téléphone, "
            "adresse e-mail de contact).</p>"
            f"<p>Directrice ou directeur de la publication : {TO_COMPLETE}.</p>"
            "<h2>Hébergement</h2>"
            f"<p>Le site est hébergé par {TO_COMPLETE} (nom, adresse et téléphone de "
            "l'hébergeur).</p>"
            "<h2>Contenus et réutilisation</h2>"
            "<p>Les fiches de projets sont récoltées dans les annuaires publics de nos partenaires "
            "(réseaux, fondations, agences publiques) ; chaque fiche indique sa source et renvoie "
            "à la page d'origine. Le texte des fiches appartient à leurs auteurs et aux "
            "partenaires qui les publient.</p>"
            "<p>Les données du catalogue sont publiées en données ouvertes sous la "
            '<a href="https://www.etalab.gouv.fr/licence-ouverte-open-licence/">Licence Ouverte '
            '2.0</a> (voir la page <a href="/api/">Données ouvertes</a>). Les contributions des '
            "membres (commentaires, discussions) restent la propriété de leurs auteurs.</p>"
            "<p>Le logiciel du site repose sur des logiciels libres : Django, Wagtail, "
            "django-allauth, Leaflet.</p>"
            "<h2>Données personnelles et cookies</h2>"
            '<p>Voir la <a href="/politique-de-confidentialite/">politique de confidentialité</a>. '
            "Le site ne dépose aucun cookie de mesure d'audience ni de publicité, et n'appelle "
            "aucun service tiers depuis votre navigateur, hormis les fonds de carte.</p>"
            "<h2>Accessibilité</h2>"
            '<p>Voir la <a href="/accessibilite/">déclaration d\'accessibilité</a>.</p>',
        )
    ]


def _accessibility(status_label: str, today: str) -> list:
    return [
        (
            "paragraph",
            f"<p>{TO_COMPLETE} s'engage à rendre ses sites internet, intranet, extranet et ses "
            "progiciels accessibles conformément à l'article 47 de la loi n° 2005-102 du "
            "11 février 2005.</p>"
            "<p>Cette déclaration d'accessibilité s'applique au site « Carrefour des innovations "
            'sociales » (<a href="/">page d\'accueil</a>).</p>'
            "<h2>État de conformité</h2>"
            "<p>Le site « Carrefour des innovations sociales » est <strong>"
            f"{status_label}</strong> avec le référentiel général d'amélioration de "
            "l'accessibilité (RGAA), version 4.1.</p>"
            "<p>Aucun audit de conformité complet n'a encore été réalisé : cet état résulte d'une "
            "auto-évaluation. Il sera revu après le premier audit.</p>"
            "<h2>Résultats des tests</h2>"
            "<p>Les pages de chaque type (accueil, recherche de projets, fiche projet, carte, "
            "partenaires, statistiques, actualités, connexion, inscription, espaces et "
            "discussions) sont vérifiées à chaque version du logiciel par des tests "
            "automatisés (axe-core, critères WCAG 2.1 niveaux A et AA, sur écran large et sur "
            "mobile) et par des parcours au clavier. Ces tests ne couvrent pas tous les "
            "critères du RGAA.</p>"
            "<h2>Contenus non accessibles</h2>"
            "<h3>Non-conformités connues</h3>"
            "<ul><li>Les cartes interactives ne sont pas entièrement utilisables au clavier et "
            "avec un lecteur d'écran ; la même information est disponible dans la liste des "
            "résultats de recherche et dans les fiches des projets.</li>"
            "<li>Certaines descriptions de projets récoltées chez nos partenaires n'ont pas de "
            "structure (titres, listes) ou contiennent des liens peu explicites.</li>"
            "<li>Les images des projets récoltées chez nos partenaires n'ont pas toujours "
            "d'alternative textuelle pertinente.</li>"
            "<li>L'interface d'administration réservée à l'équipe éditoriale n'a pas été "
            "évaluée.</li></ul>"
            "<h3>Dérogations pour charge disproportionnée</h3>"
            "<p>Aucune.</p>"
            "<h3>Contenus non soumis à l'obligation d'accessibilité</h3>"
            "<ul><li>Les contenus de tiers qui ne sont ni financés ni développés par l'organisme "
            "éditeur et qui ne sont pas sous son contrôle : les textes des fiches de projets "
            "publiés par nos partenaires et les documents joints par eux.</li>"
            "<li>Les cartes et services de cartographie en ligne (fonds de carte), les "
            "informations essentielles étant fournies d'une manière accessible dans les listes "
            "et les fiches.</li></ul>"
            "<h2>Établissement de cette déclaration d'accessibilité</h2>"
            f"<p>Cette déclaration a été établie le {today}.</p>"
            "<h3>Technologies utilisées pour la réalisation du site</h3>"
            "<ul><li>HTML5</li><li>CSS</li><li>JavaScript</li><li>WAI-ARIA</li></ul>"
            "<h3>Environnement de test</h3>"
            "<p>Navigateur Chromium (Debian) piloté par Playwright, sur écran de 1280 pixels et "
            "de 375 pixels de large. Aucun test n'a encore été mené avec un lecteur d'écran "
            "(NVDA, JAWS, VoiceOver).</p>"
            "<h3>Outils pour évaluer l'accessibilité</h3>"
            "<ul><li>axe-core</li><li>Parcours au clavier automatisés</li></ul>"
            "<h2>Retour d'information et contact</h2>"
            "<p>Si vous n'arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter "
            "le responsable du site pour être orienté vers une alternative accessible ou obtenir "
            f"le contenu sous une autre forme : {TO_COMPLETE} (adresse e-mail ou formulaire de "
            "contact, adresse postale).</p>"
            "<h2>Voies de recours</h2>"
            "<p>Cette procédure est à utiliser dans le cas suivant : vous avez signalé au "
            "responsable du site internet un défaut d'accessibilité qui vous empêche d'accéder à "
            "un contenu ou à un des services du portail et vous n'avez pas obtenu de réponse "
            "satisfaisante.</p>"
            f"<p>Vous pouvez :</p>{DEFENSEUR_DES_DROITS}",
        )
    ]


def _privacy() -> list:
    return [
        (
            "paragraph",
            "<h2>Responsable du traitement</h2>"
            f"<p>Les données personnelles du site sont traitées par {TO_COMPLETE}, responsable "
            f"du traitement. Délégué ou déléguée à la protection des données : {TO_COMPLETE} "
            "(adresse e-mail ou postale).</p>"
            "<h2>Quelles données, pour quoi faire</h2>"
            "<p>Consulter le site ne demande aucun compte. Le site ne fait aucune mesure "
            "d'audience, n'affiche aucune publicité et n'appelle aucun service tiers depuis votre "
            "navigateur (hormis les fonds de carte).</p>"
            "<ul><li><strong>Votre compte de membre</strong> : adresse e-mail (jamais affichée), "
            "mot de passe (enregistré sous forme chiffrée irréversible), nom affiché ; et, si "
            "vous les renseignez, photo, présentation, organisation, commune et centres "
            "d'intérêt. Pour : vous permettre de vous connecter, de contribuer et d'être "
            "reconnu des autres membres.</li>"
            "<li><strong>Vos contributions</strong> : commentaires, discussions, espaces, "
            "signalements, demandes pour devenir porteur ou porteuse d'un projet (rôle, message, "
            "adresse e-mail correspondant au site du projet), actualités et modifications des "
            "fiches de vos projets. Pour : les publier et les modérer.</li>"
            "<li><strong>Vos préférences</strong> : projets et espaces suivis, recherches "
            "enregistrées, notifications et fréquence des e-mails. Pour : vous tenir informé ou "
            "informée, au rythme que vous choisissez.</li>"
            "<li><strong>La sécurité de votre compte</strong> : adresse IP et navigateur lors "
            "d'un changement de mot de passe ou d'adresse e-mail (repris dans l'e-mail qui vous "
            "en avertit) ; compteurs de tentatives de connexion, gardés quelques minutes. Pour : "
            "protéger les comptes contre les abus.</li>"
            "<li><strong>Les fiches de projets</strong> : les noms de structures et les "
            "coordonnées de contact que nos partenaires publient dans leurs annuaires publics. "
            "Pour : faire connaître les projets et permettre de contacter celles et ceux qui les "
            "portent.</li></ul>"
            "<h2>Base légale</h2>"
            "<p>Ces traitements relèvent de la mission d'intérêt public de l'organisme éditeur "
            "(article 6, paragraphe 1, point e du RGPD). Les e-mails de notification reposent sur "
            "votre choix : vous les réglez ou les arrêtez à tout moment depuis votre compte ou "
            "par le lien présent dans chaque e-mail.</p>"
            "<h2>Durée de conservation</h2>"
            "<ul><li>Compte, profil et préférences : tant que votre compte existe. Quand vous "
            "supprimez votre compte (page « Mon compte »), ils sont effacés aussitôt ; vos "
            "commentaires et discussions restent, signés « compte supprimé ».</li>"
            "<li>Notifications non envoyées : plus envoyées par e-mail après 14 jours.</li>"
            "<li>Compteurs de sécurité : quelques minutes. Session de connexion : deux semaines "
            "au plus.</li>"
            f"<li>Journaux techniques du serveur : {TO_COMPLETE} (un an au plus, selon la "
            "recommandation de la CNIL).</li></ul>"
            "<h2>Destinataires</h2>"
            "<p>L'équipe éditoriale du site (administration et modération) et l'hébergeur, "
            f"{TO_COMPLETE}, qui agit pour le compte de l'organisme éditeur. Vos données ne sont "
            "ni vendues ni cédées. Votre nom affiché, votre profil public et vos contributions "
            "publiques sont visibles de tous ; votre adresse e-mail ne l'est jamais.</p>"
            "<h2>Cookies</h2>"
            "<p>Le site ne dépose que des cookies nécessaires à son fonctionnement, qui ne "
            "demandent pas votre consentement : la session de connexion (<code>sessionid</code>), "
            "la protection des formulaires (<code>csrftoken</code>), la langue choisie "
            "(<code>django_language</code>) et les messages affichés après une action.</p>"
            "<h2>Vos droits</h2>"
            "<p>Vous disposez d'un droit d'accès, de rectification, d'effacement, de limitation "
            "et d'opposition sur vos données, et du droit à leur portabilité. Depuis votre "
            "compte, vous pouvez modifier votre profil, télécharger toutes vos données "
            "(« Télécharger mes données ») et supprimer votre compte. Pour toute autre demande, "
            f"écrivez à {TO_COMPLETE}.</p>"
            "<p>Si vous estimez, après nous avoir contactés, que vos droits ne sont pas respectés, "
            "vous pouvez adresser une réclamation à la Commission nationale de l'informatique et "
            'des libertés (CNIL) : <a href="https://www.cnil.fr/fr/plaintes">www.cnil.fr/fr/'
            "plaintes</a>, ou par courrier : CNIL, 3 place de Fontenoy, TSA 80715, 75334 Paris "
            "CEDEX 07.</p>",
        )
    ]


PAGES = {
    "legal_notice_page": (
        "mentions-legales",
        "Mentions légales",
        "Qui publie ce site, qui l'héberge, et comment réutiliser ses contenus.",
    ),
    "accessibility_page": (
        "accessibilite",
        "Déclaration d'accessibilité",
        "L'état d'accessibilité du site, ses limites connues et vos recours.",
    ),
    "privacy_page": (
        "politique-de-confidentialite",
        "Politique de confidentialité",
        "Quelles données personnelles le site traite, pourquoi, combien de temps, et vos droits.",
    ),
}


def _body(field: str, site, status_label: str) -> list:
    if field == "legal_notice_page":
        return _legal_notice()
    if field == "accessibility_page":
        today = timezone.localdate().strftime("%d/%m/%Y")
        return _accessibility(status_label, today)
    return _privacy()


def ensure_public_body_pages(home) -> PublicBodySettings:
    """Create (once) the three pages under `home` and point the site's footer setting at them.

    An existing page (found by its slug under `home`, or already chosen in the setting) is kept
    as editors left it.
    """
    site = Site.objects.filter(root_page=home).first() or Site.objects.get(is_default_site=True)
    with transaction.atomic():
        setting = PublicBodySettings.for_site(site)
        status_label = str(AccessibilityStatus(setting.accessibility_status).label)
        changed = False
        for field, (slug, title, intro) in PAGES.items():
            if getattr(setting, f"{field}_id"):
                continue
            page = StandardPage.objects.child_of(home).filter(slug=slug).first()
            if page is None:
                page = StandardPage(
                    title=title, slug=slug, intro=intro, body=_body(field, site, status_label)
                )
                home.add_child(instance=page)
                page.save_revision().publish()
            setattr(setting, field, page)
            changed = True
        if changed:
            setting.save()
    return setting
