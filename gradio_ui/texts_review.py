"""Texts of the review queue, filters, what-if form, suggestions and amounts, in English and
French (merged into gradio_ui.texts, which holds the rest)."""

from __future__ import annotations

__all__ = ["EN", "FR"]

EN: dict[str, str] = {
    "app.no_client": "Open a client from the list of clients to see the decision and why.",
    "search.active_filters": "Filters that apply (untick one to remove it)",
    "search.empty_filtered": "No client matches with these filters: {filters}.",
    "search.outside_filters": (
        "{count} client(s) with a number starting with {prefix} exist without them: untick "
        "the filters to see them."
    ),
    "order.threshold_distance": "Closest to the threshold first",
    "search.near_threshold": "Review queue: files near the threshold",
    "whatif.intro": (
        "Change the loan's terms or the income and the server scores and explains the "
        "simulated file. The credit history stays as stored; nothing is saved."
    ),
    "amounts.unnamed": (
        "Amounts are in the data's currency units: the Kaggle data names no currency, so none "
        "is shown. The repayment is monthly (the duration is read as the number of monthly "
        "repayments); the data does not say over which period the income is declared."
    ),
    "amounts.named": "Amounts are in",
    "side.title": "Side by side",
    "side.others": "Other clients to set beside this one (1 or 2 numbers)",
    "side.button": "Side by side",
    "side.numbers": "Type one or two other client numbers (digits 0-9, separated by a space).",
    "side.fact": "Fact",
    "side.decision": "Model's decision",
    "side.reason": "Main risk fact {rank}",
    "profile.not_applicable.own_car_age_years": "not applicable (no car)",
    "whatif.credit": "Loan amount",
    "whatif.duration": "Duration (months)",
    "whatif.rate": "Annual interest rate (%)",
    "whatif.rate_info": (
        "The data has no rate: at 0% the repayment is the amount divided by the number of "
        "months, as the stored file implies."
    ),
    "whatif.annuity": "Monthly repayment",
    "whatif.household_income": "Income counted (with the co-borrower's)",
    "whatif.repayment": "Monthly repayment: **{amount}** ({how}).",
    "whatif.repayment_stored": "as stored",
    "whatif.repayment_computed": "computed from the amount, duration and rate",
    "whatif.repayment_unknown": "The file has no repayment: give a duration to compute one.",
    "whatif.not_a_number": (
        "{field}: “{text}” is not an amount. Type digits 0-9 only, e.g. {example}."
    ),
    "whatif.out_of_range": "{field} must be from {low} to {high}.",
    "whatif.out_of_range_open": "{field} must be more than {low} and at most {high}.",
    "whatif.rate_range": "The annual rate must be from 0 to {high} %.",
    "whatif.duration_needed": (
        "Give the duration: without it the repayment is unknown, which the model would read "
        "as missing, not as a lower risk."
    ),
    "whatif.duration_range": "The duration must be from {low} to {high} months.",
    "whatif.required": (
        "{field} cannot be emptied: the file has one, and a missing value is not a simulation."
    ),
    "whatif.changed_facts": "Facts that changed",
    "suggest.title": "What would change the decision",
    "suggest.intro_refused": (
        "Changes of the loan the client or the bank could make, each scored by the model with "
        "every other fact about the client unchanged:"
    ),
    "suggest.intro_borderline": (
        "The file is approved close to the threshold. Changes that would give it a margin, "
        "each scored by the model:"
    ),
    "suggest.caveat": (
        "Options, not promises: the decision stays the advisor's. Try one in the What-if tab."
    ),
    "suggest.none": "No change of the loan within the bounds searched reaches the target.",
    "error.invalid_fields": (
        "The scoring server did not accept these values: {fields}. Check them and try again."
    ),
    "error.other_field": "another value of the file",
    "error.client_id": "Type a client number with the digits 0-9 only.",
    "whatif.simulated_reasons": "Why the simulated file scores so",
}

FR: dict[str, str] = {
    "app.no_client": "Ouvrez un client de la liste pour voir la décision et ses raisons.",
    "search.active_filters": "Filtres appliqués (décochez-en un pour le retirer)",
    "search.empty_filtered": "Aucun client ne correspond avec ces filtres : {filters}.",
    "search.outside_filters": (
        "{count} client(s) dont le numéro commence par {prefix} existent sans eux : décochez "
        "les filtres pour les voir."
    ),
    "order.threshold_distance": "Les plus proches du seuil d'abord",
    "search.near_threshold": "À revoir : dossiers proches du seuil",
    "whatif.intro": (
        "Modifiez les conditions du prêt ou le revenu : le serveur calcule et explique le score "
        "du dossier simulé. L'historique de crédit reste celui enregistré ; rien n'est "
        "sauvegardé."
    ),
    "amounts.unnamed": (
        "Les montants sont dans l'unité monétaire des données : les données Kaggle ne nomment "
        "aucune devise, aucune n'est donc affichée. L'échéance est mensuelle (la durée se lit "
        "comme le nombre d'échéances mensuelles) ; les données ne disent pas sur quelle "
        "période le revenu est déclaré."
    ),
    "amounts.named": "Les montants sont en",
    "side.title": "Côte à côte",
    "side.others": "Autres clients à placer à côté de celui-ci (1 ou 2 numéros)",
    "side.button": "Côte à côte",
    "side.numbers": (
        "Saisissez un ou deux autres numéros client (chiffres 0-9, séparés par une espace)."
    ),
    "side.fact": "Élément",
    "side.decision": "Décision du modèle",
    "side.reason": "Principal élément de risque {rank}",
    "profile.not_applicable.own_car_age_years": "sans objet (pas de voiture)",
    "whatif.credit": "Montant du prêt",
    "whatif.duration": "Durée (mois)",
    "whatif.rate": "Taux annuel (%)",
    "whatif.rate_info": (
        "Les données n'ont pas de taux : à 0 % l'échéance est le montant divisé par le nombre "
        "de mois, comme dans le dossier enregistré."
    ),
    "whatif.annuity": "Échéance mensuelle",
    "whatif.household_income": "Revenu pris en compte (avec celui du co-emprunteur)",
    "whatif.repayment": "Échéance mensuelle : **{amount}** ({how}).",
    "whatif.repayment_stored": "celle du dossier",
    "whatif.repayment_computed": "calculée à partir du montant, de la durée et du taux",
    "whatif.repayment_unknown": (
        "Le dossier n'a pas d'échéance : indiquez une durée pour la calculer."
    ),
    "whatif.not_a_number": (
        "{field} : « {text} » n'est pas un montant. Saisissez des chiffres 0-9 uniquement, "
        "par exemple {example}."
    ),
    "whatif.out_of_range": "{field} doit être compris entre {low} et {high}.",
    "whatif.out_of_range_open": "{field} doit être supérieur à {low} et au plus {high}.",
    "whatif.rate_range": "Le taux annuel doit être compris entre 0 et {high} %.",
    "whatif.duration_needed": (
        "Indiquez la durée : sans elle l'échéance est inconnue, ce que le modèle lirait comme "
        "une valeur manquante, et non comme un risque plus faible."
    ),
    "whatif.duration_range": "La durée doit être comprise entre {low} et {high} mois.",
    "whatif.required": (
        "{field} ne peut pas être vidé : le dossier en a un, et une valeur manquante n'est pas "
        "une simulation."
    ),
    "whatif.changed_facts": "Éléments modifiés",
    "suggest.title": "Ce qui changerait la décision",
    "suggest.intro_refused": (
        "Des changements du prêt que le client ou la banque pourraient faire, chacun évalué par "
        "le modèle, toutes les autres informations du client inchangées :"
    ),
    "suggest.intro_borderline": (
        "Le dossier est accepté près du seuil. Des changements qui lui donneraient une marge, "
        "chacun évalué par le modèle :"
    ),
    "suggest.caveat": (
        "Des pistes, pas des promesses : la décision reste celle du conseiller. Essayez-en une "
        "dans l'onglet Simulation."
    ),
    "suggest.none": ("Aucun changement du prêt dans les limites explorées n'atteint l'objectif."),
    "error.invalid_fields": (
        "Le serveur de score n'a pas accepté ces valeurs : {fields}. Vérifiez-les et réessayez."
    ),
    "error.other_field": "une autre valeur du dossier",
    "error.client_id": "Saisissez un numéro client avec les chiffres 0-9 uniquement.",
    "whatif.simulated_reasons": "Pourquoi le dossier simulé obtient ce score",
}
