"""Sentence templates of the reasons, in English and French: one fact about the client each."""

from __future__ import annotations

__all__ = [
    "FACTS",
    "FLAG_FACTS",
    "MISSING_FACTS",
    "NO_HISTORY",
    "SINGULAR_FACTS",
    "comparison",
    "generic_fact",
]

# Facts with a value: "{value}" is the display value (units converted, in the language).
FACTS: dict[str, tuple[str, str]] = {
    "ANNUITY_TO_INCOME": (
        "The loan's repayment is {value} of declared income",
        "La mensualité représente {value} du revenu déclaré",
    ),
    "CREDIT_TO_INCOME": (
        "The loan amount is {value} declared income",
        "Le montant du prêt vaut {value} le revenu déclaré",
    ),
    "PAYMENT_RATE": (
        "Each repayment is {value} of the loan amount",
        "Chaque mensualité représente {value} du montant du prêt",
    ),
    "AMT_CREDIT": ("The loan amount is {value}", "Le montant du prêt est de {value}"),
    "AMT_ANNUITY": ("The loan's repayment is {value}", "La mensualité est de {value}"),
    "AMT_GOODS_PRICE": (
        "The price of the goods financed is {value}",
        "Le prix du bien financé est de {value}",
    ),
    "GOODS_TO_CREDIT": (
        "The goods' price is {value} the loan amount",
        "Le prix du bien vaut {value} le montant du prêt",
    ),
    "CREDIT_MINUS_GOODS": (
        "The loan exceeds the goods' price by {value}",
        "Le prêt dépasse le prix du bien de {value}",
    ),
    "AMT_INCOME_TOTAL": ("Declared income is {value}", "Le revenu déclaré est de {value}"),
    "INCOME_PER_PERSON": (
        "Income per family member is {value}",
        "Le revenu par membre de la famille est de {value}",
    ),
    "EXT_SOURCE_1": (
        "The score from external source 1 is {value}",
        "Le score de la source externe 1 est de {value}",
    ),
    "EXT_SOURCE_2": (
        "The score from external source 2 is {value}",
        "Le score de la source externe 2 est de {value}",
    ),
    "EXT_SOURCE_3": (
        "The score from external source 3 is {value}",
        "Le score de la source externe 3 est de {value}",
    ),
    "EXT_SOURCE_MEAN": (
        "The average external score is {value}",
        "Le score externe moyen est de {value}",
    ),
    "EXT_SOURCE_MIN": (
        "The lowest external score is {value}",
        "Le score externe le plus bas est de {value}",
    ),
    "EXT_SOURCE_MAX": (
        "The highest external score is {value}",
        "Le score externe le plus haut est de {value}",
    ),
    "EMPLOYMENT_YEARS": (
        "The client has been in the current job for {value}",
        "Le client occupe son emploi actuel depuis {value}",
    ),
    "DAYS_REGISTRATION": (
        "The registered address last changed {value} ago",
        "L'adresse déclarée a changé il y a {value}",
    ),
    "DAYS_ID_PUBLISH": (
        "The identity document was renewed {value} ago",
        "La pièce d'identité a été renouvelée il y a {value}",
    ),
    "DAYS_LAST_PHONE_CHANGE": (
        "The phone number last changed {value} ago",
        "Le numéro de téléphone a changé il y a {value}",
    ),
    "OWN_CAR_AGE": ("The car is {value} old", "La voiture a {value}"),
    "BUREAU_ENQUIRIES_LAST_MONTH": (
        "Lenders asked the credit bureau about the client {value} times in the month before",
        "Des prêteurs ont consulté le bureau de crédit {value} fois le mois précédent",
    ),
    "BUREAU_ENQUIRIES_LAST_YEAR": (
        "Lenders asked the credit bureau about the client {value} times in the year before",
        "Des prêteurs ont consulté le bureau de crédit {value} fois l'année précédente",
    ),
    "BUREAU_CREDIT_COUNT": (
        "The credit bureau knows of {value} credits with other lenders",
        "Le bureau de crédit connaît {value} crédits auprès d'autres prêteurs",
    ),
    "BUREAU_ACTIVE_COUNT": (
        "{value} credits with other lenders are still running",
        "{value} crédits auprès d'autres prêteurs sont en cours",
    ),
    "BUREAU_DEBT_TO_INCOME": (
        "Debt owed to other lenders is {value} declared income",
        "La dette envers d'autres prêteurs vaut {value} le revenu déclaré",
    ),
    "BUREAU_ACTIVE_DEBT_SUM": (
        "Debt still owed to other lenders is {value}",
        "La dette restant due à d'autres prêteurs est de {value}",
    ),
    "BUREAU_OVERDUE_AMOUNT_SUM": (
        "The amount overdue with other lenders is {value}",
        "Le montant impayé auprès d'autres prêteurs est de {value}",
    ),
    "BUREAU_LATE_MONTHS": (
        "Payments to other lenders were late in {value} months",
        "Les paiements à d'autres prêteurs ont été en retard pendant {value} mois",
    ),
    "BUREAU_LATE_MONTHS_LAST_YEAR": (
        "Payments to other lenders were late in {value} of the last 12 months",
        "Les paiements à d'autres prêteurs ont été en retard {value} des 12 derniers mois",
    ),
    "BUREAU_MONTHS_SINCE_LATE": (
        "The last late payment to another lender was {value} ago",
        "Le dernier retard envers un autre prêteur date de {value}",
    ),
    "BUREAU_OLDEST_CREDIT_DAYS_AGO": (
        "The oldest credit with another lender was opened {value} ago",
        "Le plus ancien crédit auprès d'un autre prêteur a été ouvert il y a {value}",
    ),
    "BUREAU_CREDITS_LAST_YEAR": (
        "{value} credits with other lenders were opened in the last year",
        "{value} crédits auprès d'autres prêteurs ont été ouverts l'an dernier",
    ),
    "PREV_COUNT": (
        "The client applied {value} times before",
        "Le client a déposé {value} demandes auparavant",
    ),
    "PREV_REFUSED_COUNT": (
        "{value} earlier applications were refused",
        "{value} demandes antérieures ont été refusées",
    ),
    "PREV_REFUSAL_RATE": (
        "{value} of earlier applications were refused",
        "{value} des demandes antérieures ont été refusées",
    ),
    "PREV_DAYS_SINCE_LAST_REFUSAL": (
        "The last refusal was {value} ago",
        "Le dernier refus date de {value}",
    ),
    "PREV_APPLICATIONS_LAST_YEAR": (
        "The client applied {value} times in the last year",
        "Le client a déposé {value} demandes l'an dernier",
    ),
    "PREV_RUNNING_ANNUITY_TO_INCOME": (
        "Repayments of earlier loans still running are {value} declared income",
        "Les mensualités des prêts en cours valent {value} le revenu déclaré",
    ),
    "CREDIT_TO_PREV_APPROVED_MEAN": (
        "The loan amount is {value} the average earlier loan",
        "Le montant du prêt vaut {value} le prêt antérieur moyen",
    ),
    "INSTAL_LATE_SHARE": (
        "{value} of earlier instalments were paid late",
        "{value} des échéances passées ont été payées en retard",
    ),
    "INSTAL_RECENT_LATE_SHARE": (
        "{value} of last year's instalments were paid late",
        "{value} des échéances de l'an dernier ont été payées en retard",
    ),
    "INSTAL_DPD_MAX": (
        "The longest delay on an earlier instalment was {value}",
        "Le plus long retard sur une échéance passée a été de {value}",
    ),
    "INSTAL_DPD_MEAN": (
        "Earlier instalments were paid {value} late on average",
        "Les échéances passées ont été payées avec {value} de retard en moyenne",
    ),
    "INSTAL_DBD_MEAN": (
        "Earlier instalments were paid {value} early on average",
        "Les échéances passées ont été payées avec {value} d'avance en moyenne",
    ),
    "INSTAL_LATE_30_COUNT": (
        "{value} earlier instalments were paid more than 30 days late",
        "{value} échéances passées ont été payées avec plus de 30 jours de retard",
    ),
    "INSTAL_PAYMENT_DIFF_SUM": (
        "Earlier instalments were underpaid by {value} in total",
        "Les échéances passées ont été sous-payées de {value} au total",
    ),
    "INSTAL_UNDERPAID_SHARE": (
        "{value} of earlier instalments were not paid in full",
        "{value} des échéances passées n'ont pas été payées en entier",
    ),
    "POS_DPD_MAX": (
        "The longest delay on an earlier loan was {value}",
        "Le plus long retard sur un prêt antérieur a été de {value}",
    ),
    "POS_LATE_MONTHS_SHARE": (
        "Earlier loans were late in {value} of months",
        "Les prêts antérieurs ont été en retard {value} des mois",
    ),
    "CC_UTILISATION_MEAN": (
        "Credit card balances averaged {value} of the limit",
        "Le solde des cartes a représenté en moyenne {value} du plafond",
    ),
    "CC_UTILISATION_LAST": (
        "The latest credit card balance is {value} of the limit",
        "Le dernier solde de carte représente {value} du plafond",
    ),
    "CC_MISSED_MINIMUM_SHARE": (
        "Card payments were below the minimum due in {value} of months",
        "Les paiements de carte ont été sous le minimum dû {value} des mois",
    ),
    "CC_DPD_MAX": (
        "The longest delay on a credit card payment was {value}",
        "Le plus long retard de paiement de carte a été de {value}",
    ),
    "EXT_SOURCE_MISSING_COUNT": (
        "{value} of the 3 external scores are unknown",
        "{value} des 3 scores externes sont inconnus",
    ),
    "ADDRESS_MISMATCH_COUNT": (
        "The permanent, contact and work addresses differ in {value} ways",
        "Les adresses permanente, de contact et professionnelle diffèrent sur {value} points",
    ),
    "CONTACT_COUNT": (
        "The client gave {value} of 5 contact channels",
        "Le client a donné {value} moyens de contact sur 5",
    ),
    "DOCUMENT_COUNT": (
        "The client provided {value} optional documents",
        "Le client a fourni {value} documents facultatifs",
    ),
}

# Singular forms of the count facts: English for 1, French below 2.
SINGULAR_FACTS: dict[str, tuple[str, str]] = {
    "BUREAU_ENQUIRIES_LAST_MONTH": (
        "Lenders asked the credit bureau about the client once in the month before",
        "Des prêteurs ont consulté le bureau de crédit {value} fois le mois précédent",
    ),
    "BUREAU_ENQUIRIES_LAST_YEAR": (
        "Lenders asked the credit bureau about the client once in the year before",
        "Des prêteurs ont consulté le bureau de crédit {value} fois l'année précédente",
    ),
    "BUREAU_CREDIT_COUNT": (
        "The credit bureau knows of {value} credit with other lenders",
        "Le bureau de crédit connaît {value} crédit auprès d'autres prêteurs",
    ),
    "BUREAU_ACTIVE_COUNT": (
        "{value} credit with other lenders is still running",
        "{value} crédit auprès d'autres prêteurs est en cours",
    ),
    "BUREAU_LATE_MONTHS": (
        "Payments to other lenders were late in {value} month",
        "Les paiements à d'autres prêteurs ont été en retard pendant {value} mois",
    ),
    "BUREAU_CREDITS_LAST_YEAR": (
        "{value} credit with other lenders was opened in the last year",
        "{value} crédit auprès d'autres prêteurs a été ouvert l'an dernier",
    ),
    "PREV_COUNT": (
        "The client applied once before",
        "Le client a déposé {value} demande auparavant",
    ),
    "PREV_REFUSED_COUNT": (
        "{value} earlier application was refused",
        "{value} demande antérieure a été refusée",
    ),
    "PREV_APPLICATIONS_LAST_YEAR": (
        "The client applied once in the last year",
        "Le client a déposé {value} demande l'an dernier",
    ),
    "INSTAL_LATE_30_COUNT": (
        "{value} earlier instalment was paid more than 30 days late",
        "{value} échéance passée a été payée avec plus de 30 jours de retard",
    ),
    "EXT_SOURCE_MISSING_COUNT": (
        "{value} of the 3 external scores is unknown",
        "{value} des 3 scores externes est inconnu",
    ),
    "ADDRESS_MISMATCH_COUNT": (
        "The permanent, contact and work addresses differ in {value} way",
        "Les adresses permanente, de contact et professionnelle diffèrent sur {value} point",
    ),
    "CONTACT_COUNT": (
        "The client gave {value} of 5 contact channels",
        "Le client a donné {value} moyen de contact sur 5",
    ),
    "DOCUMENT_COUNT": (
        "The client provided {value} optional document",
        "Le client a fourni {value} document facultatif",
    ),
}

# 0/1 facts: (true sentence, false sentence), each (English, French).
FLAG_FACTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "DAYS_EMPLOYED_ANOM": (
        ("No current job is on file", "Aucun emploi actuel n'est déclaré"),
        ("A current job is on file", "Un emploi actuel est déclaré"),
    ),
    "PREV_LAST_REFUSED": (
        ("The last earlier application was refused", "La dernière demande a été refusée"),
        ("The last earlier application was not refused", "La dernière demande n'a pas été refusée"),
    ),
    "FLAG_EMP_PHONE": (
        (
            "The client gave an employer's phone number",
            "Le client a donné le téléphone de son employeur",
        ),
        ("No employer's phone number was given", "Aucun téléphone d'employeur n'a été donné"),
    ),
    "FLAG_WORK_PHONE": (
        ("The client gave a work phone number", "Le client a donné un téléphone professionnel"),
        ("No work phone number was given", "Aucun téléphone professionnel n'a été donné"),
    ),
    "FLAG_PHONE": (
        ("The client gave a home phone number", "Le client a donné un téléphone fixe"),
        ("No home phone number was given", "Aucun téléphone fixe n'a été donné"),
    ),
    "FLAG_EMAIL": (
        ("The client gave an e-mail address", "Le client a donné une adresse e-mail"),
        ("No e-mail address was given", "Aucune adresse e-mail n'a été donnée"),
    ),
}

# Missing values that are themselves the fact.
MISSING_FACTS: dict[str, tuple[str, str]] = {
    "EXT_SOURCE_1": (
        "There is no score from external source 1",
        "Il n'y a pas de score de la source externe 1",
    ),
    "EXT_SOURCE_2": (
        "There is no score from external source 2",
        "Il n'y a pas de score de la source externe 2",
    ),
    "EXT_SOURCE_3": (
        "There is no score from external source 3",
        "Il n'y a pas de score de la source externe 3",
    ),
    "EXT_SOURCE_MEAN": ("There is no external score at all", "Il n'y a aucun score externe"),
    "EXT_SOURCE_MIN": ("There is no external score at all", "Il n'y a aucun score externe"),
    "EXT_SOURCE_MAX": ("There is no external score at all", "Il n'y a aucun score externe"),
}

NO_HISTORY: dict[str, tuple[str, str]] = {
    "BUREAU_CREDIT_COUNT": (
        "The credit bureau knows of no credit with other lenders",
        "Le bureau de crédit ne connaît aucun crédit auprès d'autres prêteurs",
    ),
    "PREV_COUNT": (
        "The client never applied to the lender before",
        "Le client n'a jamais fait de demande auprès de l'établissement",
    ),
    "POS_LOANS_COUNT": (
        "The client had no earlier loan with the lender",
        "Le client n'a eu aucun prêt auprès de l'établissement",
    ),
    "INSTAL_COUNT": (
        "There is no repayment history with the lender",
        "Il n'y a aucun historique de remboursement auprès de l'établissement",
    ),
    "CC_CARDS_COUNT": (
        "The client had no credit card with the lender",
        "Le client n'a eu aucune carte de crédit auprès de l'établissement",
    ),
}


def generic_fact(label: str, value: str, language: str) -> str:
    """A fact without its own template: "Label: value"."""
    return f"{label} : {value}" if language == "fr" else f"{label}: {value}"


def comparison(shares: tuple[float, float, float], language: str) -> str:
    """ ", higher than 85% of clients": where the value sits, from the shares below/equal/above."""
    below, equal, above = shares
    if equal >= 50.0:
        share, en, fr = equal, "the same as", "comme"
    elif below >= above:
        share, en, fr = below, "higher than", "plus que"
    else:
        share, en, fr = above, "lower than", "moins que"
    # Floor, so that the claim stays true ("higher than 99%" for 99.7%).
    whole = int(share)
    return f", {fr} {whole} % des clients" if language == "fr" else f", {en} {whole}% of clients"
