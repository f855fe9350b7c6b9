"""model_card.md: the model card's JSON rendered for people, section by section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["model_card_markdown"]

_TOP_FEATURES = 10


def model_card_markdown(card: Mapping[str, Any]) -> str:
    """The whole card as Markdown; every figure comes from ``card`` (model_card.json)."""
    lines = [
        f"# Model card — credit-default model {card['model_version']}",
        "",
        f"Created {card['created_at']}. This page renders `model_card.json`, which the server "
        "reads; the evaluation report (`report/report.md`) has the plots.",
        "",
        *_intended_use(card["intended_use"]),
        *_data(card["data"]),
        *_limits(card["limits"]),
        *_performance(card),
        *_training(card),
        *_fairness(card["fairness"]),
        *_benchmarks(card.get("benchmark_models")),
        *_monitoring(card["monitoring"]),
        *_decision_records(card["decision_records"]),
        *_mlflow(card.get("mlflow")),
        *_files(card),
    ]
    return "\n".join(lines) + "\n"


def _bullets(items: list[str]) -> list[str]:
    return [f"- {item}" for item in items]


def _intended_use(use: Mapping[str, Any]) -> list[str]:
    return [
        "## Intended use",
        "",
        str(use["purpose"]),
        "",
        "Users:",
        "",
        *_bullets(list(use["users"])),
        "",
        f"**Role in decisions**: {use['role_in_decisions']}.",
        "",
    ]


def _data(data: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Data",
        "",
        f"**{'Synthetic' if data['synthetic'] else 'Real'} data**: {data['description']}.",
        "",
        f"{data['rows']:,} development clients with a known outcome (default rate "
        f"{data['default_rate']:.2%}), {data['test_rows']:,} clients without one; tables: "
        f"{', '.join(data['tables'])}.",
        "",
    ]
    manifest = data.get("synthetic_manifest")
    if manifest:
        drift = f", drift {manifest['drift']}" if manifest.get("drift") else ""
        lines += [
            f"Generator {manifest.get('generator')}: {manifest.get('n_clients'):,} clients, "
            f"seed {manifest.get('seed')}{drift}.",
            "",
        ]
    return lines


def _limits(limits: Mapping[str, list[str]]) -> list[str]:
    return [
        "## Limits",
        "",
        "Must not be used for:",
        "",
        *_bullets(limits["must_not_be_used_for"]),
        "",
        "Known weaknesses:",
        "",
        *_bullets(limits["known_weaknesses"]),
        "",
    ]


def _interval(figure: Mapping[str, float], spec: str) -> str:
    return (
        f"{figure['value']:{spec}} ({figure['low']:{spec}} – {figure['high']:{spec}})"
        if figure["low"] is not None
        else f"{figure['value']:{spec}}"
    )


def _performance(card: Mapping[str, Any]) -> list[str]:
    performance, metrics = card["performance"], card["metrics"]
    level = f"{performance['confidence_level']:.0%}"
    folds = ", ".join(f"{auc:.3f}" for auc in performance["fold_roc_auc"])
    return [
        "## Performance",
        "",
        f"On {performance['evaluated_on']}; in brackets the {level} interval "
        f"({performance['method']}).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| ROC AUC | {_interval(performance['roc_auc'], '.4f')} (folds: {folds}) |",
        f"| KS | {_interval(performance['ks'], '.4f')} |",
        f"| business cost at the threshold | {_interval(performance['business_cost'], ',.0f')} |",
        f"| business cost, accepting all / refusing all "
        f"| {metrics['business_cost_accept_all']:,.0f} "
        f"/ {metrics['business_cost_refuse_all']:,.0f} |",
        f"| PR AUC | {metrics['pr_auc']:.4f} |",
        f"| Brier score | {metrics['brier']:.4f} |",
        f"| threshold | {card['threshold']:.4f} ({card['decision_rule']}) |",
        f"| refusal rate at the threshold | {metrics['refusal_rate']:.2%} |",
        "",
        f"Costs: {card['costs']['false_negative']:g} per missed defaulter, "
        f"{card['costs']['false_positive']:g} per refused good payer.",
        "",
    ]


def _training(card: Mapping[str, Any]) -> list[str]:
    model, calibration = card["model"], card["calibration"]
    top = card["global_importance"][:_TOP_FEATURES]
    return [
        "## How it was trained",
        "",
        *_bullets([f"{key}: {value}" for key, value in card["training"].items()]),
        "",
        f"{model['type']}: {model['num_trees']} trees on {model['num_features']} features; "
        f"calibration {calibration['method']}: {calibration['formula']} (slope "
        f"{calibration['slope']:.4f}, intercept {calibration['intercept']:.4f}). ONNX export "
        f"checked against LightGBM: max |difference| {card['onnx_parity_max_abs_diff']:.1e}.",
        "",
        "Features it relies on most (mean |SHAP|): "
        + ", ".join(f"{item['feature']} {item['mean_abs_shap']:.3f}" for item in top)
        + ".",
        "",
    ]


def _fairness(fairness: Mapping[str, Any]) -> list[str]:
    level = f"{fairness['confidence_level']:.0%}"
    lines = [
        "## Fairness",
        "",
        f"Decisions at the threshold on {fairness['evaluated_on']} of {fairness['rows']:,} "
        f"clients; in brackets {level} bootstrap intervals ({fairness['bootstrap']} resamples). "
        f"Approval ratio: the group's approval rate over the reference group's; below "
        f"{fairness['four_fifths_ratio']} fails the four-fifths screening rule (a call for "
        "review, not a verdict). The report's fairness section has every figure.",
        "",
    ]
    for attribute in fairness["attributes"]:
        flagged = attribute["flagged_groups"]
        verdict = f"below four-fifths: {', '.join(flagged)}" if flagged else "none below"
        lines += [
            f"**{attribute['name'].capitalize()}** — {attribute['model_input_note']}; reference "
            f"{attribute['reference_group']}; {verdict}.",
            "",
            "| group | clients | approval rate | approval ratio | default rate |",
            "|---|---|---|---|---|",
        ]
        for group in attribute["groups"]:
            default = group.get("default_rate")
            lines.append(
                f"| {group['group']}{' †' if group['too_small'] else ''} | {group['count']:,} "
                f"| {_interval(group['approval_rate'], '.1%')} "
                f"| {_interval(group['approval_ratio'], '.2f')} "
                f"| {'' if default is None else _interval(default, '.1%')} |"
            )
        lines.append("")
    lines += [f"† fewer than {fairness['min_rows']} clients: shown, too small to judge.", ""]
    return lines


def _benchmarks(benchmarks: Mapping[str, Any] | None) -> list[str]:
    if benchmarks is None:
        return []
    return ["## Benchmark models", "", f"On LightGBM's folds — {benchmarks['summary']}", ""]


def _monitoring(monitoring: Mapping[str, Any]) -> list[str]:
    lights = monitoring["lights"]
    return [
        "## Monitoring",
        "",
        f"`{monitoring['command']}` compares what is scored with the development sample: "
        f"population stability index (PSI) of the score on {monitoring['score_bands']} bands "
        f"({monitoring['score_band_edges']}) and of each input on "
        f"{monitoring['feature_bins']} bins, approval, missing and out-of-range rates. "
        f"Lights: {lights['green']}; {lights['amber']}; {lights['red']}. "
        f"Note: {monitoring['sample_size_note']}. With outcomes: {monitoring['with_outcomes']}.",
        "",
    ]


def _decision_records(records: Mapping[str, Any]) -> list[str]:
    reasons = [f"`{r['name']}`: {r['label']}" for r in records["override_reasons"]]
    decisions = ", ".join(f"`{d['name']}` ({d['label']})" for d in records["final_decisions"])
    return [
        "## Decisions: how they are recorded and overridden",
        "",
        f"{_sentence(records['recorded'])}. Record kinds: "
        f"{', '.join(records['record_kinds'])}. Advisors record their final decision with "
        f"{records['advisor_method']}: {decisions}; {records['override_rule']}.",
        "",
        "Override reasons (the contract's list):",
        "",
        *_bullets(reasons),
        "",
        f"Audit: {records['audit']}.",
        "",
    ]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _mlflow(run: Mapping[str, Any] | None) -> list[str]:
    if run is None:
        return []
    return [
        "## Experiment tracking",
        "",
        f"MLflow run `{run['run_id']}` of experiment {run['experiment_name']} "
        f"(tracking URI `{run['tracking_uri']}`); registered as {run['registered_model']} "
        f"version {run['version']}: serve it with `--artifacts {run['model_uri']}`.",
        "",
    ]


def _files(card: Mapping[str, Any]) -> list[str]:
    listed = [f"{key}: `{name}`" for key, name in card["files"].items() if name]
    return [
        "## Files",
        "",
        *_bullets(listed),
        "",
        f"SHA-256 of {card['files']['onnx']}: `{card['onnx_sha256']}`; of "
        f"{card['files']['encoded_onnx']}: `{card['encoded_onnx_sha256']}`.",
        "",
    ]
