"""Stability and drift monitoring of a built model: PSI of the score and of its inputs."""

from __future__ import annotations

from model_build.monitoring.bands import ScoreBands, score_bands
from model_build.monitoring.characteristics import FeatureStability
from model_build.monitoring.console import print_summary
from model_build.monitoring.job import MonitorRequest, parse_since, run_monitor
from model_build.monitoring.outcomes import BandOutcome, Outcomes
from model_build.monitoring.results import MonitorReport, ScoreStability, build_report
from model_build.monitoring.stability import ACT_PSI, WATCH_PSI, Light, psi, sampling_noise

__all__ = [
    "ACT_PSI",
    "WATCH_PSI",
    "BandOutcome",
    "FeatureStability",
    "Light",
    "MonitorReport",
    "MonitorRequest",
    "Outcomes",
    "ScoreBands",
    "ScoreStability",
    "build_report",
    "parse_since",
    "print_summary",
    "psi",
    "run_monitor",
    "sampling_noise",
    "score_bands",
]
