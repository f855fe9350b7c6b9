"""The model card as the model's technical file: its sections, in JSON and in Markdown."""

from __future__ import annotations

from creditscore.v1 import decision_record_pb2 as pb
from creditscore.v1 import rules_pb2
from model_build.model_card import data_section
from model_build.model_card_markdown import model_card_markdown
from model_build.monitoring import ACT_PSI, WATCH_PSI
from model_build.monitoring.bands import SCORE_BANDS
from tests.model_build.conftest import SEED, TrackedBuild

# Keys other components read (server.artifacts, server.insight.model_info, model_build.scoring,
# model_build.monitoring): they keep their names.
READ_BY_OTHERS = (
    "model_version",
    "created_at",
    "threshold",
    "costs",
    "metrics",
    "calibration",
    "data",
    "features",
    "global_importance",
    "onnx_sha256",
    "encoded_onnx_sha256",
)


def test_the_card_keeps_the_keys_the_server_and_the_monitor_read(
    tracked_build: TrackedBuild,
) -> None:
    card = tracked_build.card
    assert all(key in card for key in READ_BY_OTHERS)
    assert {"roc_auc", "ks", "business_cost", "refusal_rate"} <= set(card["metrics"])
    assert {"source", "synthetic", "rows", "default_rate"} <= set(card["data"])


def test_intended_use_names_the_purpose_the_users_and_the_role_of_advisors(
    tracked_build: TrackedBuild,
) -> None:
    use = tracked_build.card["intended_use"]
    assert "probability" in use["purpose"] and "default" in use["purpose"]
    assert any("advisors" in user for user in use["users"])
    assert any("model-risk" in user for user in use["users"])
    assert use["role_in_decisions"].startswith("decision support")


def test_a_model_built_on_synthetic_data_says_so(tracked_build: TrackedBuild) -> None:
    card = tracked_build.card
    data = card["data"]
    assert data["synthetic"] is True
    assert "synthetic" in data["description"]
    assert data["synthetic_manifest"]["seed"] == SEED
    assert "synthetic" in card["limits"]["must_not_be_used_for"][0]
    assert "**Synthetic data**" in model_card_markdown(card)


def test_real_data_is_not_called_synthetic() -> None:
    data = data_section(
        {
            "source": "real",
            "synthetic": False,
            "synthetic_manifest": None,
            "directory": "/data/home_credit",
            "tables": ["application_train"],
            "train_rows": 307_511,
            "test_rows": 48_744,
            "default_rate": 0.0807,
        }
    )
    assert data["synthetic"] is False
    assert data["synthetic_manifest"] is None
    assert "synthetic" not in str(data["description"])
    assert data["rows"] == 307_511


def test_limits_say_what_the_model_must_not_decide_on_and_name_flagged_groups(
    tracked_build: TrackedBuild,
) -> None:
    card = tracked_build.card
    limits = card["limits"]
    assert any("human review" in item for item in limits["must_not_be_used_for"])
    # Gender is recorded to measure fairness and kept out of the model.
    assert any(item.startswith("deciding by gender") for item in limits["must_not_be_used_for"])
    flagged = {
        (a["name"], group) for a in card["fairness"]["attributes"] for group in a["flagged_groups"]
    }
    assert flagged, "the fixture's model flags a group (age band < 25); this test needs one"
    for attribute, group in flagged:
        assert any(attribute in item and group in item for item in limits["known_weaknesses"]), (
            attribute,
            group,
        )


def test_performance_intervals_contain_the_out_of_fold_figures(
    tracked_build: TrackedBuild,
) -> None:
    card = tracked_build.card
    performance = card["performance"]
    assert performance["confidence_level"] == 0.95
    for name in ("roc_auc", "ks", "business_cost"):
        interval = performance[name]
        assert interval["value"] == card["metrics"][name], name
        assert interval["low"] < interval["value"] < interval["high"], name
    assert len(performance["fold_roc_auc"]) == 2


def test_the_fairness_figures_are_in_the_card(tracked_build: TrackedBuild) -> None:
    fairness = tracked_build.card["fairness"]
    names = [attribute["name"] for attribute in fairness["attributes"]]
    assert names == ["gender", "age band", "family status"]
    assert fairness["evaluated_on"] == "out-of-fold predictions"


def test_the_monitoring_thresholds_are_the_monitors_own(tracked_build: TrackedBuild) -> None:
    monitoring = tracked_build.card["monitoring"]
    assert (monitoring["psi_watch"], monitoring["psi_act"]) == (WATCH_PSI, ACT_PSI)
    assert monitoring["score_bands"] == SCORE_BANDS
    assert monitoring["lights"]["red"].startswith(f"PSI > {ACT_PSI}")


def test_the_override_reasons_are_the_contracts_list(tracked_build: TrackedBuild) -> None:
    records = tracked_build.card["decision_records"]
    label = rules_pb2.ValueLabel.label
    contract = [
        (value.name, value.GetOptions().Extensions[label].en)
        for value in pb.OverrideReason.DESCRIPTOR.values
        if value.number != pb.OVERRIDE_REASON_UNSPECIFIED
    ]
    assert [(r["name"], r["label"]) for r in records["override_reasons"]] == contract
    assert [d["name"] for d in records["final_decisions"]] == [
        "FINAL_DECISION_APPROVE",
        "FINAL_DECISION_REFUSE",
        "FINAL_DECISION_REFER",
    ]
    assert records["advisor_method"] == "creditscore.v1.DecisionRecordService.RecordDecision"
    assert "RECORD_KIND_SCORE" in records["record_kinds"]


def test_the_training_section_defaults_to_one_machine_and_k_fold_early_stopping(
    tracked_build: TrackedBuild,
) -> None:
    training = tracked_build.card["training"]
    assert training["folds"] == 2
    assert "one machine" in training["method"]
    assert "early stopping" in training["trees"]
    assert str(tracked_build.result.num_trees) in training["trees"]


def test_the_markdown_twin_has_every_section(tracked_build: TrackedBuild) -> None:
    markdown_file = tracked_build.result.paths.root / "model_card.md"
    text = markdown_file.read_text(encoding="utf-8")
    assert text == model_card_markdown(tracked_build.card)
    for heading in (
        "## Intended use",
        "## Data",
        "## Limits",
        "## Performance",
        "## How it was trained",
        "## Fairness",
        "## Monitoring",
        "## Decisions: how they are recorded and overridden",
        "## Experiment tracking",
    ):
        assert f"\n{heading}\n" in text, heading
    assert tracked_build.card["mlflow"]["run_id"] in text
    assert "OVERRIDE_REASON_INCOME_VERIFIED" in text
