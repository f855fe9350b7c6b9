"""Texts of the peers scatter, the grouped external scores and the periods of amounts, in
English and French (merged into gradio_ui.texts, which holds the rest)."""

from __future__ import annotations

__all__ = ["EN", "FR"]

EN: dict[str, str] = {
    "scatter.title": "Among similar clients",
    "scatter.x": "Across (horizontal axis)",
    "scatter.y": "Up (vertical axis)",
    "scatter.info": "Pick two characteristics to see the client among similar clients.",
    "scatter.repaid": "Similar client who repaid (○)",
    "scatter.defaulted": "Similar client who defaulted (✕)",
    "scatter.client": "This client (★)",
    "scatter.same": "Pick two different characteristics.",
    "scatter.client_line": "**This client (★)**: {x_label} {x_value}; {y_label} {y_value}.",
    "scatter.client_missing": (
        "The client has no value for one of them, so the client cannot be placed on the chart."
    ),
    "scatter.sample": (
        "Shown: {shown} of the {eligible} similar clients with both values, spread evenly over "
        "the group ({rule}); ○ repaid, ✕ had payment difficulties."
    ),
    "scatter.left_out": "{count} similar clients are left out: one of the two values is missing.",
    "scatter.none": "No similar client has both values.",
    "period.month": "per month",
    "period.income": "period not stated in the data",
    "period.instalment": "per instalment",
    "period.monthly_to_income": "monthly repayment ÷ income of unstated period",
    "period.total_to_income": "total ÷ income of unstated period",
    "whatif.income": "Declared income (period not stated in the data)",
    "whatif.coborrower": "Co-borrower's income (same period as the client's)",
    "external.title": "External credit scores",
    # A heading and its text, as each language punctuates it.
    "external.item": "{heading}: {texts}",
    "external.explained": (
        "External credit scores are ratings of the client from credit bureaus outside the bank, "
        "from 0 (high risk) to 1 (low risk); the model reads them together, so they are shown "
        "as one item."
    ),
}

FR: dict[str, str] = {
    "scatter.title": "Parmi les clients similaires",
    "scatter.x": "En largeur (axe horizontal)",
    "scatter.y": "En hauteur (axe vertical)",
    "scatter.info": (
        "Choisissez deux caractéristiques pour voir le client parmi les clients similaires."
    ),
    "scatter.repaid": "Client similaire ayant remboursé (○)",
    "scatter.defaulted": "Client similaire en défaut (✕)",
    "scatter.client": "Ce client (★)",
    "scatter.same": "Choisissez deux caractéristiques différentes.",
    "scatter.client_line": "**Ce client (★)** : {x_label} {x_value} ; {y_label} {y_value}.",
    "scatter.client_missing": (
        "Le client n'a pas de valeur pour l'une d'elles : il ne peut pas être placé sur le "
        "graphique."
    ),
    "scatter.sample": (
        "Affichés : {shown} des {eligible} clients similaires ayant les deux valeurs, répartis "
        "sur tout le groupe ({rule}) ; ○ ont remboursé, ✕ ont eu des difficultés de paiement."
    ),
    "scatter.left_out": (
        "{count} clients similaires sont écartés : l'une des deux valeurs manque."
    ),
    "scatter.none": "Aucun client similaire n'a les deux valeurs.",
    "period.month": "par mois",
    "period.income": "période non précisée dans les données",
    "period.instalment": "par échéance",
    "period.monthly_to_income": "échéance mensuelle ÷ revenu de période non précisée",
    "period.total_to_income": "total ÷ revenu de période non précisée",
    "whatif.income": "Revenu déclaré (période non précisée dans les données)",
    "whatif.coborrower": "Revenu du co-emprunteur (même période que celui du client)",
    "external.title": "Scores de crédit externes",
    "external.item": "{heading} : {texts}",
    "external.explained": (
        "Les scores de crédit externes sont des notes du client données par des bureaux de "
        "crédit extérieurs à la banque, de 0 (risque élevé) à 1 (risque faible) ; le modèle les "
        "lit ensemble, ils sont donc présentés comme un seul élément."
    ),
}
