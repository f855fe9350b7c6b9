"""Every string the app writes itself, in English and French (labels come from the server)."""

from __future__ import annotations

from gradio_ui import texts_peers, texts_review
from gradio_ui.settings import Language

__all__ = ["t"]

_EN: dict[str, str] = {
    # Page
    "app.title": "Credit decision assistant",
    "app.subtitle": (
        "Explains the scoring model's answer for a client file. The model advises; the decision "
        "and its explanation to the client remain the advisor's responsibility."
    ),
    "app.language": "Language",
    "app.logout": "Log out",
    "login.locked": (
        "Too many failed logins: logging in is locked for {minutes} min, even with the right "
        "password. Try again later, or ask your administrator."
    ),
    "app.synthetic": (
        "Demonstration model trained on synthetic data: figures do not describe real clients."
    ),
    # Search
    "search.title": "Find a client",
    "search.client_id": "Client number (or its beginning)",
    "search.client_id_placeholder": "e.g. 1000",
    "search.filters": "Filters",
    "search.contract_types": "Contract type",
    "search.income_types": "Income type",
    "search.decision": "Decision",
    "search.band": "Probability of default",
    "search.order": "Order",
    "search.button": "Search",
    "search.results": "Clients (click a row to open the file)",
    "search.page": "Page {page} of {pages} · {total} clients",
    "search.empty": "No client matches these filters.",
    "search.previous": "◀ Previous",
    "search.next": "Next ▶",
    "search.queue_note": (
        "Files whose probability is within ±{points} of the threshold ({threshold}): "
        "the model is least sure there, a human review is recommended."
    ),
    "col.client": "Client",
    "col.probability": "Default risk",
    "col.decision": "Decision",
    "col.contract": "Contract",
    "col.income_type": "Income type",
    "col.income": "Income",
    "col.credit": "Loan amount",
    "col.age": "Age",
    "decision.any": "Any",
    "band.any": "Any",
    "band.grey": "Grey zone (near the threshold)",
    "band.below": "Below the threshold",
    "band.above": "At or above the threshold",
    "band.low": "Low (under 5%)",
    "band.high": "High (35% and more)",
    "order.client_id": "Client number",
    "order.risk_desc": "Riskiest first",
    "order.risk_asc": "Safest first",
    # Tabs
    "tab.decision": "Decision",
    "tab.why": "Why",
    "tab.profile": "Client profile",
    "tab.compare": "Compare",
    "tab.whatif": "What-if",
    "tab.model": "How the model works",
    # Decision
    "decision.approve": "APPROVE",
    "decision.refuse": "REFUSE",
    "decision.review": "Borderline file: human review recommended",
    "decision.client": "Client {client_id}",
    "decision.summary": (
        "Probability of default: **{probability}**, against a threshold of **{threshold}**: "
        "the file is **{gap} {side}** the threshold."
    ),
    "decision.side_below": "below",
    "decision.side_above": "above",
    "decision.grey": (
        "⚠ **Grey zone.** The probability is within ±{points} of the threshold. Close to the "
        "threshold a small change in the file can switch the answer: review the file before "
        "deciding."
    ),
    "decision.clear": "The probability is more than {points} from the threshold.",
    "decision.threshold_origin": (
        "**Where the threshold comes from.** It is the cut-off that minimised the cost of wrong "
        "decisions on past clients, counting a missed defaulter (a loan approved to a client "
        "who then defaults) as {ratio} times as costly as a good payer refused "
        "(costs {fn} and {fp})."
    ),
    "decision.model": "Model {version}, trained on {date}.",
    "decision.rights": (
        "The client may ask for a human review of the decision, give their point of view and "
        "contest it; the main reasons (opposite) can be shared with them."
    ),
    "decision.gauge_title": "Probability of default",
    "decision.threshold": "Threshold",
    "decision.grey_zone": "Grey zone",
    # Why
    "why.refusal": "Facts that raise the risk",
    "why.approval": "Facts in the client's favour",
    "why.none": "None.",
    "why.waterfall_title": "How the score is built: the {count} strongest factors",
    "why.base": "Average client",
    "why.final": "This client",
    "why.other": "Other factors ({count})",
    "why.axis": "Probability of default (scale of the model)",
    "why.note": (
        "How to read it: the model adds up its factors on its own scale, starting "
        "from the average client ({base}). Each bar is one factor: orange raises the risk, blue "
        "lowers it; all factors together end at this client's probability, **{final}**. The axis "
        "is labelled in probability, so it is not evenly spaced. The point changes on the bars "
        "are read in the order shown."
    ),
    "why.groups_title": "Contributions by theme",
    "why.groups_axis": "← lowers the risk · raises the risk →   (model's scale)",
    "why.raises": "raises the risk",
    "why.lowers": "lowers the risk",
    "why.pts": "pts",
    # Profile
    "profile.section": "Section",
    "profile.all_sections": "All sections",
    "profile.search": "Search a field",
    "profile.missing_only": "Only missing values",
    "profile.table": "Client information",
    "profile.col.section": "Section",
    "profile.col.label": "Information",
    "profile.col.value": "Value",
    "profile.missing": "⚠ missing",
    "profile.summary": "{count} items, {missing} missing.",
    # Compare
    "compare.features": "Characteristics to compare",
    "compare.features_info": "By default the main reasons of the decision.",
    "compare.button": "Compare",
    "compare.groups": "Who the client is compared with",
    "compare.group_line": "**{label}**: {rule} — {count} clients, {rate} defaulted.",
    "compare.all": "All clients",
    "compare.similar": "Similar clients",
    "compare.repaid": "Repaid",
    "compare.defaulted": "Defaulted",
    "compare.client": "This client",
    "compare.panel_peers": "All clients vs similar clients",
    "compare.panel_outcome": "Clients who repaid vs who defaulted",
    "compare.share": "Share of the group (%)",
    "compare.higher": "higher than {percent}",
    "compare.lower": "lower than {percent}",
    "compare.of_all": "of clients",
    "compare.missing": "missing for this client, so it cannot be placed",
    "compare.missing_short": "missing",
    "compare.same_share": "same as {percent}",
    "compare.group_line_outcome": "**{label}**: {rule} — {count} clients.",
    "compare.position": "Where the client stands in each group",
    "compare.col_feature": "Characteristic",
    "compare.col_client": "Client",
    "compare.reading": (
        "“Higher than 82%” means the client's value is higher than that of 82% of the group; "
        "for a category, “same as 40%” is the share of the group in the client's category."
    ),
    "compare.empty": "Pick at least one characteristic.",
    # What-if
    "whatif.goods": "Price of the goods financed",
    "whatif.income": "Declared income",
    "whatif.coborrower": "Co-borrower's income",
    "whatif.coborrower_info": (
        "The model has no co-borrower field: this income is added to the declared income."
    ),
    "whatif.term": "Implied duration: about {months} monthly repayments ({duration}).",
    "whatif.button": "Re-score",
    "whatif.reset": "Back to the stored file",
    "whatif.current": "Stored file",
    "whatif.simulated": "Simulation",
    "whatif.change": "Probability of default {before} → {after} ({delta}).",
    "whatif.flip": "**The decision changes.**",
    "whatif.same": "The decision does not change.",
    "whatif.changes": "Changes: {changes}.",
    "whatif.no_change": "No field changed: this is the stored file.",
    "whatif.invalid_amount": "{field} must be a positive amount.",
    "whatif.chart_title": "Stored file vs simulation",
    # Model
    "model.title": "What the model looks at most (all clients)",
    "model.reading": (
        "Bar length: how much a characteristic moves scores on average, over all clients "
        "(mean absolute contribution on the model's log-odds scale). Important does not mean "
        "unfavourable: the direction depends on each client's value."
    ),
    "model.groups_title": "Importance by theme",
    "model.axis": "Mean |SHAP| (log-odds)",
    "model.card": (
        "The model is a set of decision trees (gradient boosting) trained on **{clients}** past "
        "clients, **{default_rate}** of whom had payment difficulties. For each file it adds up "
        "the effects of about {features} characteristics into a probability of default; the "
        "file is refused at **{threshold}** or more. Quality on clients it had not seen: "
        "ROC AUC **{auc}** (0.5 = chance, 1 = perfect), refusal rate at the threshold "
        "**{refusal_rate}**. At that threshold the cost of wrong decisions is {cost_ratio} of "
        "what approving everybody would cost."
    ),
    "model.never_reasons": (
        "Never given to a client as a reason: the protected characteristics ({protected}), "
        "which may weigh in the score but never justify a decision, and {count} facts a client "
        "can neither understand nor act on (documents provided, building statistics, the day "
        "and hour of the application, regional ratings, other people's defaults)."
    ),
    "model.limits": (
        "Limits: the model learns from past clients only, some data (external scores, credit "
        "history) may be missing or out of date, and gender is never used. A probability is "
        "not a certainty: about {refusal_rate} of clients are refused, among them many who "
        "would have repaid."
    ),
    # Final decision (the advisor's, on record)
    "record.title": "Your final decision",
    "record.intro": (
        "The model advises; you decide. Your decision is kept on record with the model's "
        "decision you reviewed."
    ),
    "record.decision": "Decision",
    "record.reason": "Reason for overriding the model (required)",
    "record.note": "Note",
    "record.note_info": (
        "Required when you refer the file or choose “Other reason”. For the record (colleagues, "
        "auditors): it is not printed on the client's letter."
    ),
    "record.save": "Save the decision",
    "record.recommends_approve": "The model recommends approval",
    "record.recommends_refuse": "The model recommends refusal",
    "record.model_says": "The model's decision: {decision} (probability of default {probability}).",
    "record.model_approve": "approval",
    "record.model_refuse": "refusal",
    "record.choose": "Choose your decision.",
    "record.agrees": "Your decision agrees with the model's: no override reason is needed.",
    "record.override_approve": "{recommends}: give the reason for approving.",
    "record.override_refuse": "{recommends}: give the reason for refusing.",
    "record.refer": "A second reader will decide: say why in the note (required).",
    "record.other_note": "“Other reason”: explain it in the note (required).",
    "record.saved": "Decision recorded on {time}: {decision}.",
    "record.saved_override": "It is recorded as an override of the model's decision.",
    "record.not_saved": "The decision was not saved:",
    "record.error.decision": "choose a decision.",
    "record.error.reason": "give the reason for overriding the model's decision.",
    "record.error.note_refer": "say in the note why you refer the file.",
    "record.error.note_other": "explain the “Other reason” in the note.",
    "record.error.note_long": "the note has {count} characters: at most {max} are accepted.",
    "record.error.no_model": "the model's decision shown is not known: open the client again.",
    "record.error.denied": (
        "the app's account on the scoring server may not record or read decisions; ask your "
        "administrator."
    ),
    "record.invalid.decision": "choose a decision.",
    "record.invalid.override_reason": (
        "the override reason does not match the model's decision on record: open the client "
        "again and check the model's decision."
    ),
    "record.invalid.note": (
        "the note is required when you refer the file or choose “Other reason”, and has at "
        "most {max} characters."
    ),
    "record.invalid.model_request_id": (
        "the model's decision shown is not on record: open the client again, then save."
    ),
    "record.invalid.request_id": (
        "this form was already saved as another decision: open the client again, then save."
    ),
    "record.invalid.client_id": "the client number is not valid.",
    "record.invalid.field": "the server refused the field “{field}”.",
    # Decision history
    "history.title": "Decision history",
    "history.advisors_only": "Advisors' decisions only",
    "history.failed": "The decision history could not be read:",
    "history.more": "Show more",
    "history.empty": "No decision on record for this client yet.",
    "history.count": "The {count} most recent records.",
    "history.count_all": "All {count} records.",
    "history.count_one": "The only record.",
    "history.kind.advisor": "Advisor's decision",
    "history.kind.explain": "Model decision, explained",
    "history.kind.score": "Model decision, score",
    "history.kind.simulation": "Model decision on an edited application (what-if)",
    "history.by": "by {who}",
    "history.model": "Model {version}",
    "history.model_said": "Model: {decision}, probability of default {probability}.",
    "history.model_approve": "approve",
    "history.model_refuse": "refuse",
    "history.decided": "Decided: {decision}.",
    "history.override": "Override of the model's decision",
    "history.reason": "Reason: {reason}.",
    "history.note": "Note: {note}",
    # Client's letter
    "letter.download": "Client letter (PDF)",
    "letter.states_advisor": "The letter states the advisor's decision of {date}.",
    "letter.states_model": (
        "The letter states the model's decision: no advisor's decision is on record yet."
    ),
    "letter.unavailable": (
        "The client letter cannot be made on this server (a font is missing); the reason is in "
        "the app's log for the administrator."
    ),
    "letter.months": (
        "January,February,March,April,May,June,July,August,September,October,November,December"
    ),
    "letter.date": "{day} {month} {year}",
    "letter.first_day": "1",
    "letter.title": "Your credit application",
    "letter.client": "Client number: {client_id}",
    "letter.dated": "Date: {date}",
    "letter.greeting": "Dear client,",
    "letter.advisor_approve": "Your credit application has been approved.",
    "letter.advisor_refuse": (
        "We are sorry to tell you that your credit application has been refused."
    ),
    "letter.advisor_refer": (
        "Your credit application is being reviewed by a second advisor: no decision has been "
        "taken yet, and we will tell you the decision."
    ),
    "letter.by_advisor": (
        "Your advisor took this decision after reviewing the assessment of our scoring model."
    ),
    "letter.by_advisor_refer": (
        "Your advisor asked for this review after reviewing the assessment of our scoring model."
    ),
    "letter.model_approve": (
        "Our scoring model's assessment of your application is favourable (approval)."
    ),
    "letter.model_refuse": (
        "Our scoring model's assessment of your application is unfavourable (refusal)."
    ),
    "letter.model_only": (
        "This is the model's assessment: no advisor has yet recorded a final decision on your "
        "application."
    ),
    "letter.reasons": "The main reasons for this decision",
    "letter.reasons_refer": "The main factors of the model's assessment",
    "letter.no_reasons": "No particular factor stood out in the model's assessment.",
    "letter.advisor_reason": "Your advisor's assessment: {reason}.",
    "letter.what_could_change": "What could change the decision",
    "letter.rights": "Your rights",
    "letter.right_review": (
        "You may ask for this decision to be reviewed by a person, give your point of view, and "
        "obtain an explanation of the decision (Article 22 of the General Data Protection "
        "Regulation)."
    ),
    "letter.right_contest": (
        "To contest the decision, reply within 30 days of the date of this letter to your "
        "advisor or to our complaints service, quoting your client number {client_id}."
    ),
    "letter.right_reasons": (
        "The reasons given above are the principal reasons for the decision; your advisor can "
        "explain them in more detail."
    ),
    "letter.signature": "Your advisor: {advisor}",
    "letter.reference": "Client {client_id} · scoring model {version} · {date}",
    # Errors
    "error.unavailable": (
        "The scoring server cannot be reached ({address}). Check that it is running, then try "
        "again."
    ),
    "error.timeout": "The scoring server did not answer in time. Try again in a moment.",
    "error.not_found": "Client {client_id} was not found.",
    "error.internal": (
        "The scoring server hit an unexpected error (reference {reference}). Try again; if it "
        "persists, give the reference to support."
    ),
    "error.unexpected": (
        "Something went wrong in the app (reference {reference}). Try again; if it persists, "
        "give the reference to support."
    ),
    "error.no_client": "Open a client first.",
    "error.title": "Problem",
}

_FR: dict[str, str] = {
    "app.title": "Assistant de décision de crédit",
    "app.subtitle": (
        "Explique la réponse du modèle de score pour un dossier client. Le modèle conseille ; "
        "la décision et son explication au client restent de la responsabilité du conseiller."
    ),
    "app.language": "Langue",
    "app.logout": "Se déconnecter",
    "login.locked": (
        "Trop d'échecs de connexion : la connexion est bloquée pendant {minutes} min, même avec "
        "le bon mot de passe. Réessayez plus tard ou contactez votre administrateur."
    ),
    "app.synthetic": (
        "Modèle de démonstration entraîné sur des données synthétiques : les chiffres ne "
        "décrivent pas de vrais clients."
    ),
    "search.title": "Trouver un client",
    "search.client_id": "Numéro client (ou son début)",
    "search.client_id_placeholder": "ex. 1000",
    "search.filters": "Filtres",
    "search.contract_types": "Type de contrat",
    "search.income_types": "Type de revenu",
    "search.decision": "Décision",
    "search.band": "Probabilité de défaut",
    "search.order": "Tri",
    "search.button": "Rechercher",
    "search.results": "Clients (cliquez sur une ligne pour ouvrir le dossier)",
    "search.page": "Page {page} sur {pages} · {total} clients",
    "search.empty": "Aucun client ne correspond à ces filtres.",
    "search.previous": "◀ Précédent",
    "search.next": "Suivant ▶",
    "search.queue_note": (
        "Dossiers dont la probabilité est à ±{points} du seuil ({threshold}) : le modèle y est "
        "le moins sûr, un examen humain est recommandé."
    ),
    "col.client": "Client",
    "col.probability": "Risque de défaut",
    "col.decision": "Décision",
    "col.contract": "Contrat",
    "col.income_type": "Type de revenu",
    "col.income": "Revenu",
    "col.credit": "Montant du prêt",
    "col.age": "Âge",
    "decision.any": "Toutes",
    "band.any": "Toutes",
    "band.grey": "Zone grise (proche du seuil)",
    "band.below": "Sous le seuil",
    "band.above": "Au seuil ou au-dessus",
    "band.low": "Faible (moins de 5 %)",
    "band.high": "Élevée (35 % et plus)",
    "order.client_id": "Numéro client",
    "order.risk_desc": "Les plus risqués d'abord",
    "order.risk_asc": "Les moins risqués d'abord",
    "tab.decision": "Décision",
    "tab.why": "Pourquoi",
    "tab.profile": "Profil client",
    "tab.compare": "Comparer",
    "tab.whatif": "Simulation",
    "tab.model": "Fonctionnement du modèle",
    "decision.approve": "ACCORD",
    "decision.refuse": "REFUS",
    "decision.review": "Dossier limite : examen humain recommandé",
    "decision.client": "Client {client_id}",
    "decision.summary": (
        "Probabilité de défaut : **{probability}**, pour un seuil de **{threshold}** : le "
        "dossier est **{gap} {side}** du seuil."
    ),
    "decision.side_below": "en dessous",
    "decision.side_above": "au-dessus",
    "decision.grey": (
        "⚠ **Zone grise.** La probabilité est à ±{points} du seuil. Près du seuil, un petit "
        "changement du dossier peut inverser la réponse : examinez le dossier avant de décider."
    ),
    "decision.clear": "La probabilité est à plus de {points} du seuil.",
    "decision.threshold_origin": (
        "**D'où vient le seuil.** C'est la limite qui a minimisé le coût des erreurs sur les "
        "clients passés, en comptant un défaillant non détecté (un prêt accordé à un client "
        "qui ne rembourse pas) {ratio} fois plus cher qu'un bon payeur refusé "
        "(coûts {fn} et {fp})."
    ),
    "decision.model": "Modèle {version}, entraîné le {date}.",
    "decision.rights": (
        "Le client peut demander un réexamen humain de la décision, présenter son point de vue "
        "et la contester ; les principales raisons (ci-contre) peuvent lui être communiquées."
    ),
    "decision.gauge_title": "Probabilité de défaut",
    "decision.threshold": "Seuil",
    "decision.grey_zone": "Zone grise",
    "why.refusal": "Éléments qui augmentent le risque",
    "why.approval": "Éléments en faveur du client",
    "why.none": "Aucun.",
    "why.waterfall_title": "Construction du score : les {count} facteurs les plus forts",
    "why.base": "Client moyen",
    "why.final": "Ce client",
    "why.other": "Autres facteurs ({count})",
    "why.axis": "Probabilité de défaut (échelle du modèle)",
    "why.note": (
        "Comment lire : le modèle additionne ses facteurs sur sa propre échelle, en "
        "partant du client moyen ({base}). Chaque barre est un facteur : orange augmente le "
        "risque, bleu le diminue ; tous les facteurs ensemble aboutissent à la probabilité de ce "
        "client, **{final}**. L'axe est gradué en probabilité, il n'est donc pas régulier. Les "
        "variations en points se lisent dans l'ordre affiché."
    ),
    "why.groups_title": "Contributions par thème",
    "why.groups_axis": "← diminue le risque · augmente le risque →   (échelle du modèle)",
    "why.raises": "augmente le risque",
    "why.lowers": "diminue le risque",
    "why.pts": "pts",
    "profile.section": "Rubrique",
    "profile.all_sections": "Toutes les rubriques",
    "profile.search": "Chercher une information",
    "profile.missing_only": "Valeurs manquantes seulement",
    "profile.table": "Informations du client",
    "profile.col.section": "Rubrique",
    "profile.col.label": "Information",
    "profile.col.value": "Valeur",
    "profile.missing": "⚠ manquant",
    "profile.summary": "{count} informations, dont {missing} manquantes.",
    "compare.features": "Caractéristiques à comparer",
    "compare.features_info": "Par défaut, les principales raisons de la décision.",
    "compare.button": "Comparer",
    "compare.groups": "Avec qui le client est comparé",
    "compare.group_line": "**{label}** : {rule} — {count} clients, dont {rate} en défaut.",
    "compare.all": "Tous les clients",
    "compare.similar": "Clients similaires",
    "compare.repaid": "Ont remboursé",
    "compare.defaulted": "En défaut",
    "compare.client": "Ce client",
    "compare.panel_peers": "Tous les clients / clients similaires",
    "compare.panel_outcome": "Clients ayant remboursé / en défaut",
    "compare.share": "Part du groupe (%)",
    "compare.higher": "plus élevé que {percent}",
    "compare.lower": "plus bas que {percent}",
    "compare.of_all": "des clients",
    "compare.missing": "manquant pour ce client, il ne peut donc pas être situé",
    "compare.missing_short": "manquant",
    "compare.same_share": "comme {percent}",
    "compare.group_line_outcome": "**{label}** : {rule} — {count} clients.",
    "compare.position": "Position du client dans chaque groupe",
    "compare.col_feature": "Caractéristique",
    "compare.col_client": "Client",
    "compare.reading": (
        "« Plus élevé que 82 % » signifie que la valeur du client dépasse celle de 82 % du "
        "groupe ; pour une catégorie, « comme 40 % » est la part du groupe dans la catégorie du "
        "client."
    ),
    "compare.empty": "Choisissez au moins une caractéristique.",
    "whatif.goods": "Prix du bien financé",
    "whatif.income": "Revenu déclaré",
    "whatif.coborrower": "Revenu du co-emprunteur",
    "whatif.coborrower_info": (
        "Le modèle n'a pas de champ co-emprunteur : ce revenu est ajouté au revenu déclaré."
    ),
    "whatif.term": "Durée implicite : environ {months} échéances mensuelles ({duration}).",
    "whatif.button": "Recalculer",
    "whatif.reset": "Revenir au dossier enregistré",
    "whatif.current": "Dossier enregistré",
    "whatif.simulated": "Simulation",
    "whatif.change": "Probabilité de défaut {before} → {after} ({delta}).",
    "whatif.flip": "**La décision change.**",
    "whatif.same": "La décision ne change pas.",
    "whatif.changes": "Modifications : {changes}.",
    "whatif.no_change": "Aucun champ modifié : c'est le dossier enregistré.",
    "whatif.invalid_amount": "{field} doit être un montant positif.",
    "whatif.chart_title": "Dossier enregistré et simulation",
    "model.title": "Ce que le modèle regarde le plus (tous clients)",
    "model.reading": (
        "Longueur des barres : de combien une caractéristique fait bouger les scores en moyenne, "
        "sur tous les clients (contribution absolue moyenne, échelle log-odds du modèle). "
        "Important ne veut pas dire défavorable : le sens dépend de la valeur de chaque client."
    ),
    "model.groups_title": "Importance par thème",
    "model.axis": "|SHAP| moyen (log-odds)",
    "model.card": (
        "Le modèle est un ensemble d'arbres de décision (gradient boosting) entraîné sur "
        "**{clients}** clients passés, dont **{default_rate}** ont eu des difficultés de "
        "paiement. Pour chaque dossier il additionne les effets d'environ {features} "
        "caractéristiques pour obtenir une probabilité de défaut ; le dossier est refusé à "
        "partir de **{threshold}**. Qualité sur des clients qu'il n'avait pas vus : ROC AUC "
        "**{auc}** (0,5 = hasard, 1 = parfait), taux de refus au seuil **{refusal_rate}**. À ce "
        "seuil, le coût des erreurs vaut {cost_ratio} de ce que coûterait tout accepter."
    ),
    "model.never_reasons": (
        "Jamais donnés au client comme motif : les caractéristiques protégées ({protected}), "
        "qui peuvent peser dans le score mais ne justifient jamais une décision, et {count} "
        "faits que le client ne peut ni comprendre ni changer (pièces fournies, statistiques "
        "de l'immeuble, jour et heure de la demande, notes de la région, impayés d'autres "
        "personnes)."
    ),
    "model.limits": (
        "Limites : le modèle n'apprend que des clients passés, certaines données (scores "
        "externes, historique de crédit) peuvent manquer ou dater, et le sexe n'est jamais "
        "utilisé. Une probabilité n'est pas une certitude : environ {refusal_rate} des clients "
        "sont refusés, dont beaucoup auraient remboursé."
    ),
    "record.title": "Votre décision finale",
    "record.intro": (
        "Le modèle conseille ; vous décidez. Votre décision est conservée avec la décision du "
        "modèle que vous avez examinée."
    ),
    "record.decision": "Décision",
    "record.reason": "Motif de la dérogation au modèle (obligatoire)",
    "record.note": "Note",
    "record.note_info": (
        "Obligatoire si vous transmettez le dossier ou choisissez « Autre motif ». Pour le "
        "dossier (collègues, auditeurs) : elle ne figure pas sur la lettre au client."
    ),
    "record.save": "Enregistrer la décision",
    "record.recommends_approve": "Le modèle recommande l'accord",
    "record.recommends_refuse": "Le modèle recommande le refus",
    "record.model_says": "Décision du modèle : {decision} (probabilité de défaut {probability}).",
    "record.model_approve": "accord",
    "record.model_refuse": "refus",
    "record.choose": "Choisissez votre décision.",
    "record.agrees": (
        "Votre décision rejoint celle du modèle : aucun motif de dérogation n'est nécessaire."
    ),
    "record.override_approve": "{recommends} : indiquez le motif de l'accord.",
    "record.override_refuse": "{recommends} : indiquez le motif du refus.",
    "record.refer": "Un second lecteur décidera : expliquez pourquoi dans la note (obligatoire).",
    "record.other_note": "« Autre motif » : précisez-le dans la note (obligatoire).",
    "record.saved": "Décision enregistrée le {time} : {decision}.",
    "record.saved_override": "Elle est enregistrée comme une dérogation à la décision du modèle.",
    "record.not_saved": "La décision n'a pas été enregistrée :",
    "record.error.decision": "choisissez une décision.",
    "record.error.reason": "indiquez le motif de la dérogation à la décision du modèle.",
    "record.error.note_refer": "expliquez dans la note pourquoi vous transmettez le dossier.",
    "record.error.note_other": "précisez l'« Autre motif » dans la note.",
    "record.error.note_long": ("la note compte {count} caractères : {max} au plus sont acceptés."),
    "record.error.no_model": (
        "la décision du modèle affichée n'est pas connue : rouvrez le client."
    ),
    "record.error.denied": (
        "le compte de l'application sur le serveur de score ne peut pas enregistrer ni lire les "
        "décisions ; contactez votre administrateur."
    ),
    "record.invalid.decision": "choisissez une décision.",
    "record.invalid.override_reason": (
        "le motif de dérogation ne correspond pas à la décision du modèle enregistrée : rouvrez "
        "le client et vérifiez la décision du modèle."
    ),
    "record.invalid.note": (
        "la note est obligatoire si vous transmettez le dossier ou choisissez « Autre motif », "
        "et compte {max} caractères au plus."
    ),
    "record.invalid.model_request_id": (
        "la décision du modèle affichée n'est pas enregistrée : rouvrez le client, puis "
        "enregistrez."
    ),
    "record.invalid.request_id": (
        "ce formulaire a déjà été enregistré pour une autre décision : rouvrez le client, puis "
        "enregistrez."
    ),
    "record.invalid.client_id": "le numéro client n'est pas valide.",
    "record.invalid.field": "le serveur a refusé le champ « {field} ».",
    "history.title": "Historique des décisions",
    "history.advisors_only": "Décisions des conseillers seulement",
    "history.failed": "L'historique des décisions n'a pas pu être lu :",
    "history.more": "Afficher plus",
    "history.empty": "Aucune décision enregistrée pour ce client.",
    "history.count": "Les {count} enregistrements les plus récents.",
    "history.count_all": "Les {count} enregistrements.",
    "history.count_one": "Le seul enregistrement.",
    "history.kind.advisor": "Décision du conseiller",
    "history.kind.explain": "Décision du modèle, expliquée",
    "history.kind.score": "Décision du modèle, score",
    "history.kind.simulation": "Décision du modèle sur une demande modifiée (simulation)",
    "history.by": "par {who}",
    "history.model": "Modèle {version}",
    "history.model_said": "Modèle : {decision}, probabilité de défaut {probability}.",
    "history.model_approve": "accord",
    "history.model_refuse": "refus",
    "history.decided": "Décision : {decision}.",
    "history.override": "Dérogation à la décision du modèle",
    "history.reason": "Motif : {reason}.",
    "history.note": "Note : {note}",
    "letter.download": "Lettre au client (PDF)",
    "letter.states_advisor": "La lettre indique la décision du conseiller du {date}.",
    "letter.states_model": (
        "La lettre indique la décision du modèle : aucune décision de conseiller n'est encore "
        "enregistrée."
    ),
    "letter.unavailable": (
        "La lettre au client ne peut pas être produite sur ce serveur (une police manque) ; "
        "la raison figure dans le journal de l'application pour l'administrateur."
    ),
    "letter.months": (
        "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre"
    ),
    "letter.date": "{day} {month} {year}",
    "letter.first_day": "1er",
    "letter.title": "Votre demande de crédit",
    "letter.client": "Numéro client : {client_id}",
    "letter.dated": "Date : {date}",
    "letter.greeting": "Madame, Monsieur,",
    "letter.advisor_approve": "Votre demande de crédit a été acceptée.",
    "letter.advisor_refuse": (
        "Nous avons le regret de vous informer que votre demande de crédit a été refusée."
    ),
    "letter.advisor_refer": (
        "Votre demande de crédit est examinée par un second conseiller : aucune décision n'a "
        "encore été prise, nous vous la communiquerons."
    ),
    "letter.by_advisor": (
        "Votre conseiller a pris cette décision après avoir examiné l'évaluation de notre "
        "modèle de score."
    ),
    "letter.by_advisor_refer": (
        "Votre conseiller a demandé cet examen après avoir étudié l'évaluation de notre modèle "
        "de score."
    ),
    "letter.model_approve": (
        "L'évaluation de votre demande par notre modèle de score est favorable (accord)."
    ),
    "letter.model_refuse": (
        "L'évaluation de votre demande par notre modèle de score est défavorable (refus)."
    ),
    "letter.model_only": (
        "Il s'agit de l'évaluation du modèle : aucun conseiller n'a encore enregistré de "
        "décision finale sur votre demande."
    ),
    "letter.reasons": "Les principales raisons de cette décision",
    "letter.reasons_refer": "Les principaux éléments de l'évaluation du modèle",
    "letter.no_reasons": "Aucun élément particulier ne ressort de l'évaluation du modèle.",
    "letter.advisor_reason": "Appréciation de votre conseiller : {reason}.",
    "letter.what_could_change": "Ce qui pourrait changer la décision",
    "letter.rights": "Vos droits",
    "letter.right_review": (
        "Vous pouvez demander qu'une personne réexamine cette décision, présenter votre point "
        "de vue et obtenir une explication de la décision (article 22 du règlement général sur "
        "la protection des données)."
    ),
    "letter.right_contest": (
        "Pour contester la décision, répondez dans les 30 jours suivant la date de ce courrier "
        "à votre conseiller ou à notre service réclamations, en indiquant votre numéro client "
        "{client_id}."
    ),
    "letter.right_reasons": (
        "Les raisons ci-dessus sont les raisons principales de la décision ; votre conseiller "
        "peut vous les expliquer plus en détail."
    ),
    "letter.signature": "Votre conseiller : {advisor}",
    "letter.reference": "Client {client_id} · modèle de score {version} · {date}",
    "error.unavailable": (
        "Le serveur de score est injoignable ({address}). Vérifiez qu'il est démarré, puis "
        "réessayez."
    ),
    "error.timeout": "Le serveur de score n'a pas répondu à temps. Réessayez dans un instant.",
    "error.not_found": "Le client {client_id} est introuvable.",
    "error.internal": (
        "Erreur inattendue du serveur de score (référence {reference}). Réessayez ; si cela "
        "persiste, transmettez la référence au support."
    ),
    "error.unexpected": (
        "Erreur inattendue dans l'application (référence {reference}). Réessayez ; si cela "
        "persiste, transmettez la référence au support."
    ),
    "error.no_client": "Ouvrez d'abord un client.",
    "error.title": "Problème",
}

_TEXTS: dict[Language, dict[str, str]] = {
    "en": {**_EN, **texts_review.EN, **texts_peers.EN},
    "fr": {**_FR, **texts_review.FR, **texts_peers.FR},
}


def t(language: Language, key: str, **values: object) -> str:
    """The text of `key` in `language`, with `values` filled in; English if untranslated."""
    template = _TEXTS[language].get(key) or _TEXTS["en"][key]
    return template.format(**values) if values else template
