"""Short human-readable names of the model features and profile sections, in English and French."""

from __future__ import annotations

from server.contract import category_labels

__all__ = ["CATEGORY_LABELS", "SECTION_FR", "feature_label", "group_label"]

# name -> (English, French). Short enough for a table column or a chart axis; the catalogue's
# description says the rest.
_CORE: dict[str, tuple[str, str]] = {
    "NAME_CONTRACT_TYPE": ("Contract type", "Type de contrat"),
    "FLAG_OWN_CAR": ("Owns a car", "Possède une voiture"),
    "FLAG_OWN_REALTY": ("Owns a home", "Propriétaire d'un logement"),
    "CNT_CHILDREN": ("Children", "Enfants"),
    "AMT_INCOME_TOTAL": ("Declared income", "Revenu déclaré"),
    "AMT_CREDIT": ("Loan amount", "Montant du prêt"),
    "AMT_ANNUITY": ("Loan repayment", "Mensualité du prêt"),
    "AMT_GOODS_PRICE": ("Price of the goods", "Prix du bien financé"),
    "NAME_TYPE_SUITE": ("Accompanied by", "Accompagné par"),
    "NAME_INCOME_TYPE": ("Income type", "Type de revenu"),
    "NAME_EDUCATION_TYPE": ("Education", "Niveau d'études"),
    "NAME_FAMILY_STATUS": ("Family status", "Situation familiale"),
    "NAME_HOUSING_TYPE": ("Housing", "Logement"),
    "REGION_POPULATION_RELATIVE": ("Region population density", "Densité de la région"),
    "DAYS_REGISTRATION": ("Time since registration change", "Ancienneté de l'adresse déclarée"),
    "DAYS_ID_PUBLISH": ("Time since ID document renewal", "Ancienneté de la pièce d'identité"),
    "OWN_CAR_AGE": ("Car age", "Âge de la voiture"),
    "FLAG_EMP_PHONE": ("Employer phone given", "Téléphone de l'employeur fourni"),
    "FLAG_WORK_PHONE": ("Work phone given", "Téléphone professionnel fourni"),
    "FLAG_CONT_MOBILE": ("Mobile phone reachable", "Portable joignable"),
    "FLAG_PHONE": ("Home phone given", "Téléphone fixe fourni"),
    "FLAG_EMAIL": ("E-mail given", "E-mail fourni"),
    "OCCUPATION_TYPE": ("Occupation", "Profession"),
    "CNT_FAM_MEMBERS": ("Family members", "Membres de la famille"),
    "REGION_RATING_CLIENT": ("Region rating", "Note de la région"),
    "REGION_RATING_CLIENT_W_CITY": ("Region and city rating", "Note de la région et de la ville"),
    "WEEKDAY_APPR_PROCESS_START": ("Application weekday", "Jour de la demande"),
    "HOUR_APPR_PROCESS_START": ("Application hour", "Heure de la demande"),
    "REG_REGION_NOT_LIVE_REGION": (
        "Permanent and contact address in different regions",
        "Adresses permanente et de contact dans des régions différentes",
    ),
    "REG_REGION_NOT_WORK_REGION": (
        "Permanent and work address in different regions",
        "Adresses permanente et professionnelle dans des régions différentes",
    ),
    "LIVE_REGION_NOT_WORK_REGION": (
        "Contact and work address in different regions",
        "Adresses de contact et professionnelle dans des régions différentes",
    ),
    "REG_CITY_NOT_LIVE_CITY": (
        "Permanent and contact address in different cities",
        "Adresses permanente et de contact dans des villes différentes",
    ),
    "REG_CITY_NOT_WORK_CITY": (
        "Permanent and work address in different cities",
        "Adresses permanente et professionnelle dans des villes différentes",
    ),
    "LIVE_CITY_NOT_WORK_CITY": (
        "Contact and work address in different cities",
        "Adresses de contact et professionnelle dans des villes différentes",
    ),
    "ORGANIZATION_TYPE": ("Employer's sector", "Secteur de l'employeur"),
    "EXT_SOURCE_1": ("External score 1", "Score externe 1"),
    "EXT_SOURCE_2": ("External score 2", "Score externe 2"),
    "EXT_SOURCE_3": ("External score 3", "Score externe 3"),
    "FONDKAPREMONT_MODE": ("Building repair fund", "Fonds de travaux de l'immeuble"),
    "HOUSETYPE_MODE": ("Building type", "Type d'immeuble"),
    "TOTALAREA_MODE": ("Building total area", "Surface totale de l'immeuble"),
    "WALLSMATERIAL_MODE": ("Building wall material", "Matériau des murs de l'immeuble"),
    "EMERGENCYSTATE_MODE": ("Building in emergency state", "Immeuble en état d'urgence"),
    "DAYS_LAST_PHONE_CHANGE": ("Time since phone change", "Ancienneté du téléphone"),
    "DAYS_EMPLOYED_ANOM": ("No employment date", "Aucune date d'embauche"),
    "AGE_YEARS": ("Age", "Âge"),
    "EMPLOYMENT_YEARS": ("Time in current job", "Ancienneté dans l'emploi"),
    "EMPLOYED_TO_AGE": ("Time in job / age", "Ancienneté dans l'emploi / âge"),
    "AGE_AT_LOAN_END_YEARS": ("Age at loan end", "Âge en fin de prêt"),
    "CREDIT_TO_INCOME": ("Loan amount / income", "Montant du prêt / revenu"),
    "ANNUITY_TO_INCOME": ("Repayment / income", "Mensualité / revenu"),
    "PAYMENT_RATE": ("Repayment / loan amount", "Mensualité / montant du prêt"),
    "GOODS_TO_CREDIT": ("Goods price / loan amount", "Prix du bien / montant du prêt"),
    "CREDIT_MINUS_GOODS": (
        "Loan amount above goods price",
        "Montant du prêt au-delà du prix du bien",
    ),
    "INCOME_PER_PERSON": ("Income per family member", "Revenu par membre de la famille"),
    "CHILDREN_SHARE": ("Children / family members", "Enfants / membres de la famille"),
    "REGISTRATION_TO_AGE": (
        "Time since registration change / age",
        "Ancienneté de l'adresse / âge",
    ),
    "ID_PUBLISH_TO_AGE": ("Time since ID renewal / age", "Ancienneté de la pièce d'identité / âge"),
    "PHONE_CHANGE_TO_AGE": ("Time since phone change / age", "Ancienneté du téléphone / âge"),
    "CAR_AGE_TO_AGE": ("Car age / client age", "Âge de la voiture / âge du client"),
    "EXT_SOURCE_MEAN": ("Average external score", "Score externe moyen"),
    "EXT_SOURCE_STD": ("Spread of external scores", "Dispersion des scores externes"),
    "EXT_SOURCE_MIN": ("Lowest external score", "Score externe le plus bas"),
    "EXT_SOURCE_MAX": ("Highest external score", "Score externe le plus haut"),
    "EXT_SOURCE_PRODUCT": ("Product of external scores", "Produit des scores externes"),
    "EXT_SOURCE_MISSING_COUNT": ("Unknown external scores", "Scores externes inconnus"),
    "SOCIAL_DEFAULT_RATE_30": (
        "Social circle default rate (30 days)",
        "Taux de défaut de l'entourage (30 jours)",
    ),
    "SOCIAL_DEFAULT_RATE_60": (
        "Social circle default rate (60 days)",
        "Taux de défaut de l'entourage (60 jours)",
    ),
    "DOCUMENT_COUNT": ("Optional documents provided", "Documents facultatifs fournis"),
    "CONTACT_COUNT": ("Contact channels given", "Moyens de contact fournis"),
    "ADDRESS_MISMATCH_COUNT": ("Address mismatches", "Incohérences d'adresse"),
    "BUILDING_INFO_MISSING_COUNT": ("Unknown building details", "Détails de l'immeuble inconnus"),
    "BUREAU_ENQUIRIES_LAST_MONTH": (
        "Credit bureau enquiries (last month)",
        "Consultations du bureau de crédit (dernier mois)",
    ),
    "BUREAU_ENQUIRIES_LAST_YEAR": (
        "Credit bureau enquiries (last year)",
        "Consultations du bureau de crédit (dernière année)",
    ),
}

_HISTORY: dict[str, tuple[str, str]] = {
    "BUREAU_CREDIT_COUNT": ("Credits with other lenders", "Crédits auprès d'autres prêteurs"),
    "BUREAU_ACTIVE_COUNT": ("Running credits elsewhere", "Crédits en cours ailleurs"),
    "BUREAU_ACTIVE_SHARE": ("Share of credits still running", "Part des crédits en cours"),
    "BUREAU_BAD_DEBT_COUNT": ("Credits sold or written off", "Crédits cédés ou passés en perte"),
    "BUREAU_CREDIT_TYPES_COUNT": ("Kinds of credit", "Types de crédit"),
    "BUREAU_MICROLOAN_COUNT": ("Microloans", "Microcrédits"),
    "BUREAU_CREDIT_CARD_SHARE": ("Share of credit cards", "Part des cartes de crédit"),
    "BUREAU_SECURED_COUNT": ("Car loans and mortgages", "Prêts auto et immobiliers"),
    "BUREAU_OLDEST_CREDIT_DAYS_AGO": ("Age of oldest credit", "Ancienneté du plus ancien crédit"),
    "BUREAU_NEWEST_CREDIT_DAYS_AGO": (
        "Age of newest credit",
        "Ancienneté du crédit le plus récent",
    ),
    "BUREAU_CREDITS_LAST_YEAR": ("Credits opened last year", "Crédits ouverts l'an dernier"),
    "BUREAU_ACTIVE_MAX_DAYS_TO_END": (
        "Time to end of running credits",
        "Durée restante des crédits",
    ),
    "BUREAU_CLOSED_LATE_SHARE": ("Credits closed late", "Crédits soldés en retard"),
    "BUREAU_OVERDUE_CREDITS_COUNT": ("Overdue credits", "Crédits en retard"),
    "BUREAU_OVERDUE_DAYS_MAX": ("Longest current delay", "Plus long retard en cours"),
    "BUREAU_OVERDUE_AMOUNT_SUM": ("Amount overdue elsewhere", "Montant impayé ailleurs"),
    "BUREAU_MAX_OVERDUE_EVER": ("Largest amount ever overdue", "Plus gros impayé"),
    "BUREAU_PROLONGATIONS": ("Credit prolongations", "Prolongations de crédit"),
    "BUREAU_CREDIT_AMOUNT_MEAN": ("Average credit elsewhere", "Crédit moyen ailleurs"),
    "BUREAU_CREDIT_AMOUNT_MAX": ("Largest credit elsewhere", "Plus gros crédit ailleurs"),
    "BUREAU_ACTIVE_CREDIT_SUM": ("Running credit amount", "Montant des crédits en cours"),
    "BUREAU_ACTIVE_DEBT_SUM": ("Debt owed elsewhere", "Dette auprès d'autres prêteurs"),
    "BUREAU_ACTIVE_DEBT_SHARE": ("Share of running credit owed", "Part restant due"),
    "BUREAU_ACTIVE_LIMIT_SUM": ("Card limits elsewhere", "Plafonds de cartes ailleurs"),
    "BUREAU_MONTHS_REPORTED": ("Months reported by the bureau", "Mois déclarés au bureau"),
    "BUREAU_LATE_MONTHS": ("Months late elsewhere", "Mois de retard ailleurs"),
    "BUREAU_LATE_MONTHS_SHARE": ("Share of months late elsewhere", "Part des mois en retard"),
    "BUREAU_LATE_MONTHS_LAST_YEAR": (
        "Months late elsewhere (last year)",
        "Mois de retard ailleurs (dernière année)",
    ),
    "BUREAU_WORST_STATUS": ("Worst delay status", "Pire niveau de retard"),
    "BUREAU_MONTHS_SINCE_LATE": ("Months since last late payment", "Mois depuis le dernier retard"),
    "PREV_COUNT": ("Earlier applications", "Demandes antérieures"),
    "PREV_APPROVED_COUNT": ("Earlier approvals", "Demandes antérieures acceptées"),
    "PREV_REFUSED_COUNT": ("Earlier refusals", "Demandes antérieures refusées"),
    "PREV_REFUSAL_RATE": ("Earlier refusal rate", "Taux de refus antérieur"),
    "PREV_CANCELED_SHARE": ("Earlier applications cancelled", "Demandes antérieures annulées"),
    "PREV_LAST_REFUSED": ("Last application refused", "Dernière demande refusée"),
    "PREV_APPLICATIONS_LAST_YEAR": ("Applications last year", "Demandes l'an dernier"),
    "PREV_DAYS_SINCE_LAST": ("Time since last application", "Temps depuis la dernière demande"),
    "PREV_DAYS_SINCE_FIRST": ("Time since first application", "Temps depuis la première demande"),
    "PREV_DAYS_SINCE_LAST_REFUSAL": ("Time since last refusal", "Temps depuis le dernier refus"),
    "PREV_ASKED_MEAN": ("Average amount asked before", "Montant moyen demandé"),
    "PREV_ASKED_MAX": ("Largest amount asked before", "Plus gros montant demandé"),
    "PREV_REFUSED_ASKED_MEAN": ("Average amount refused", "Montant moyen refusé"),
    "PREV_APPROVED_CREDIT_MEAN": ("Average earlier loan", "Prêt antérieur moyen"),
    "PREV_APPROVED_ANNUITY_MEAN": ("Average earlier repayment", "Mensualité antérieure moyenne"),
    "PREV_APPROVED_TERM_MEAN": (
        "Average earlier loan length",
        "Durée moyenne des prêts antérieurs",
    ),
    "PREV_ASKED_TO_GRANTED_MEAN": ("Asked / granted (average)", "Demandé / accordé (moyenne)"),
    "PREV_ASKED_TO_GRANTED_MAX": ("Asked / granted (largest)", "Demandé / accordé (maximum)"),
    "PREV_DOWN_PAYMENT_RATE_MEAN": ("Average down payment", "Apport moyen"),
    "PREV_HIGH_INTEREST_SHARE": ("Earlier high-rate loans", "Prêts antérieurs à taux élevé"),
    "PREV_INSURED_SHARE": ("Earlier loans insured", "Prêts antérieurs assurés"),
    "PREV_RUNNING_COUNT": ("Earlier loans still running", "Prêts antérieurs en cours"),
    "PREV_RUNNING_ANNUITY_SUM": ("Repayments of running loans", "Mensualités des prêts en cours"),
    "POS_LOANS_COUNT": ("Earlier consumer loans", "Prêts à la consommation antérieurs"),
    "POS_MONTHS_COUNT": ("Months of consumer loans", "Mois de prêts à la consommation"),
    "POS_DPD_MAX": ("Longest delay, consumer loans", "Plus long retard, prêts conso"),
    "POS_DPD_MEAN": ("Average delay, consumer loans", "Retard moyen, prêts conso"),
    "POS_LATE_MONTHS_SHARE": ("Months late, consumer loans", "Mois en retard, prêts conso"),
    "POS_LATE_MONTHS_TOLERANT": (
        "Months late, consumer loans (small debts ignored)",
        "Mois en retard, prêts conso (petites dettes ignorées)",
    ),
    "POS_RECENT_DPD_MAX": (
        "Longest delay, consumer loans (last year)",
        "Plus long retard, prêts conso (dernière année)",
    ),
    "POS_COMPLETED_SHARE": ("Consumer loans repaid", "Prêts conso remboursés"),
    "POS_INSTALMENTS_LEFT": ("Repayments still due", "Échéances restantes"),
    "INSTAL_COUNT": ("Instalments due before", "Échéances passées"),
    "INSTAL_DPD_MAX": ("Longest payment delay", "Plus long retard de paiement"),
    "INSTAL_DPD_MEAN": ("Average payment delay", "Retard moyen de paiement"),
    "INSTAL_LATE_SHARE": ("Instalments paid late", "Échéances payées en retard"),
    "INSTAL_LATE_30_COUNT": ("Instalments over 30 days late", "Échéances à plus de 30 jours"),
    "INSTAL_DBD_MEAN": ("Average days paid early", "Avance moyenne de paiement"),
    "INSTAL_PAYMENT_DIFF_MEAN": ("Average amount short", "Manque moyen par échéance"),
    "INSTAL_PAYMENT_DIFF_MAX": ("Largest amount short", "Plus gros manque sur une échéance"),
    "INSTAL_PAYMENT_DIFF_SUM": ("Total amount short", "Manque total"),
    "INSTAL_PAID_RATIO_MEAN": ("Share of instalments paid", "Part payée des échéances"),
    "INSTAL_PAID_RATIO_MIN": ("Lowest share paid", "Plus faible part payée"),
    "INSTAL_UNDERPAID_SHARE": ("Instalments not paid in full", "Échéances payées partiellement"),
    "INSTAL_UNPAID_COUNT": ("Instalments unpaid", "Échéances impayées"),
    "INSTAL_RECENT_DPD_MEAN": (
        "Average payment delay (last year)",
        "Retard moyen de paiement (dernière année)",
    ),
    "INSTAL_RECENT_LATE_SHARE": (
        "Instalments paid late (last year)",
        "Échéances en retard (dernière année)",
    ),
    "INSTAL_AMOUNT_MEAN": ("Average instalment", "Échéance moyenne"),
    "INSTAL_DAYS_SINCE_LAST_PAYMENT": (
        "Time since last payment",
        "Temps depuis le dernier paiement",
    ),
    "CC_CARDS_COUNT": ("Credit cards held", "Cartes de crédit détenues"),
    "CC_MONTHS_COUNT": ("Months of card records", "Mois de relevés de carte"),
    "CC_UTILISATION_MEAN": ("Card use of limit (average)", "Utilisation du plafond (moyenne)"),
    "CC_UTILISATION_MAX": ("Card use of limit (highest)", "Utilisation du plafond (maximum)"),
    "CC_UTILISATION_LAST": ("Card use of limit (latest)", "Utilisation du plafond (dernière)"),
    "CC_BALANCE_MEAN": ("Average card balance", "Solde moyen de carte"),
    "CC_LIMIT_MAX": ("Highest card limit", "Plafond de carte le plus élevé"),
    "CC_DRAWINGS_MEAN": ("Average card drawings", "Retraits moyens par carte"),
    "CC_DRAWINGS_COUNT_MEAN": ("Card drawings per month", "Retraits par mois"),
    "CC_ATM_DRAWINGS_SHARE": ("Cash withdrawals share", "Part des retraits en espèces"),
    "CC_PAYMENT_TO_MINIMUM_MEAN": ("Card payment / minimum due", "Paiement / minimum dû"),
    "CC_MISSED_MINIMUM_SHARE": ("Months below minimum payment", "Mois sous le paiement minimum"),
    "CC_DPD_MAX": ("Longest card payment delay", "Plus long retard de carte"),
    "CC_LATE_MONTHS_SHARE": ("Months late on cards", "Mois en retard sur carte"),
    "BUREAU_DEBT_TO_INCOME": ("Debt elsewhere / income", "Dette ailleurs / revenu"),
    "PREV_RUNNING_ANNUITY_TO_INCOME": (
        "Running repayments / income",
        "Mensualités en cours / revenu",
    ),
    "CREDIT_TO_PREV_APPROVED_MEAN": (
        "Loan amount / average earlier loan",
        "Montant du prêt / prêt antérieur moyen",
    ),
}

_BUILDING: dict[str, tuple[str, str]] = {
    "APARTMENTS": ("apartment size", "taille des appartements"),
    "BASEMENTAREA": ("basement area", "surface du sous-sol"),
    "YEARS_BEGINEXPLUATATION": ("years in use", "années d'exploitation"),
    "YEARS_BUILD": ("age", "âge"),
    "COMMONAREA": ("common area", "parties communes"),
    "ELEVATORS": ("elevators", "ascenseurs"),
    "ENTRANCES": ("entrances", "entrées"),
    "FLOORSMAX": ("highest floor", "étage le plus haut"),
    "FLOORSMIN": ("lowest floor", "étage le plus bas"),
    "LANDAREA": ("land area", "surface du terrain"),
    "LIVINGAPARTMENTS": ("living apartments", "logements habités"),
    "LIVINGAREA": ("living area", "surface habitable"),
    "NONLIVINGAPARTMENTS": ("non-living apartments", "locaux non habités"),
    "NONLIVINGAREA": ("non-living area", "surface non habitable"),
}

_ENQUIRY: dict[str, tuple[str, str]] = {
    "HOUR": ("last hour", "dernière heure"),
    "DAY": ("last day", "dernier jour"),
    "WEEK": ("last week", "dernière semaine"),
    "MON": ("last month", "dernier mois"),
    "QRT": ("last 3 months", "3 derniers mois"),
    "YEAR": ("last year", "dernière année"),
}

_SOCIAL: dict[str, tuple[str, str]] = {
    "OBS": ("Social circle observed", "Entourage observé"),
    "DEF": ("Social circle defaulted", "Entourage en défaut"),
}


def _family_labels() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for measure, (en, fr) in _BUILDING.items():
        out[f"{measure}_AVG"] = (f"Building: {en}", f"Immeuble : {fr}")
    for period, (en, fr) in _ENQUIRY.items():
        out[f"AMT_REQ_CREDIT_BUREAU_{period}"] = (
            f"Credit bureau enquiries ({en})",
            f"Consultations du bureau de crédit ({fr})",
        )
    for kind, (en, fr) in _SOCIAL.items():
        for days in (30, 60):
            out[f"{kind}_{days}_CNT_SOCIAL_CIRCLE"] = (
                f"{en} ({days} days)",
                f"{fr} ({days} jours)",
            )
    for number in range(2, 22):
        out[f"FLAG_DOCUMENT_{number}"] = (
            f"Document {number} provided",
            f"Document {number} fourni",
        )
    return out


_LABELS: dict[str, tuple[str, str]] = {**_CORE, **_HISTORY, **_family_labels()}

# Business concepts of the catalogue (FeatureInfo.group) -> French.
_GROUP_FR: dict[str, str] = {
    "external scores": "Scores externes",
    "loan requested": "Prêt demandé",
    "loan burden": "Charge du prêt",
    "income and family": "Revenus et famille",
    "age and employment": "Âge et emploi",
    "housing and assets": "Logement et patrimoine",
    "personal profile": "Profil personnel",
    "social circle": "Entourage",
    "contact and documents": "Contact et documents",
    "region": "Région",
    "credit bureau": "Bureau de crédit",
    "previous applications": "Demandes antérieures",
    "repayment history": "Historique de remboursement",
    "credit cards": "Cartes de crédit",
    "application process": "Déroulement de la demande",
}

# Profile sections and peer-group names, English -> French.
SECTION_FR: dict[str, str] = {
    "Identity": "Identité",
    "Loan": "Prêt",
    "Income and family": "Revenus et famille",
    "Employment": "Emploi",
    "Housing": "Logement",
    "Contact and documents": "Contact et documents",
    "Region": "Région",
    "External scores": "Scores externes",
    "Credit history": "Historique de crédit",
    "Building": "Immeuble",
    "Social circle": "Entourage",
    "Application": "Demande",
}

# Kaggle categories as shown to readers of each language: the contract's labels
# (server.contract), so that every view and GetModelInfo say the same; categories not listed
# keep Kaggle's spelling.
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    language: {value: label for _, labels in category_labels(language) for value, label in labels}
    for language in ("en", "fr")
}


def feature_label(name: str, language: str) -> str:
    """Short label of a model feature (or a raw column); the name itself when none is known."""
    pair = _LABELS.get(name)
    if pair is None:
        return name.replace("_", " ").capitalize()
    return pair[1] if language == "fr" else pair[0]


def group_label(group: str, language: str) -> str:
    """Display name of a business concept: "External scores", FR "Scores externes"."""
    if language == "fr" and group in _GROUP_FR:
        return _GROUP_FR[group]
    return group[:1].upper() + group[1:]
