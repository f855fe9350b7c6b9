"""Explanations, client profiles, search, peer comparison and the model card: the insight RPCs."""

from __future__ import annotations

from server.insight.service import InsightService

__all__ = ["InsightService"]
