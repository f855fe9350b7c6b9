"""Synthetic Home Credit data: the eight Kaggle tables (CSV or Parquet), calibrated on real
samples."""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from model_build.artifacts import SYNTHETIC_MANIFEST
from model_build.loader import parquet_name
from model_build.schema import ANOMALY_DAYS, TABLES, TableSpec
from model_build.synth.application import sample_applications
from model_build.synth.bureau import FIRST_BUREAU_ID, STATUS, BureauModel, sample_bureau
from model_build.synth.calibration import Calibration, load_calibration
from model_build.synth.cards import CARD_STATUS, sample_cards
from model_build.synth.drift import Drift
from model_build.synth.monthly import (
    POS_STATUS,
    MonthlyModel,
    loan_behaviour,
    sample_instalment_loans,
)
from model_build.synth.parquet_writer import PartitionedParquetWriter
from model_build.synth.previous import FIRST_PREV_ID, PreviousModel, sample_previous
from model_build.synth.writer import CsvTableWriter

TableWriter = CsvTableWriter | PartitionedParquetWriter

logger = logging.getLogger(__name__)

__all__ = ["FIRST_CLIENT_ID", "SynthSummary", "generate"]

FIRST_CLIENT_ID = 100_001
# Clients per chunk: bounds memory (about 1 GB per chunk) and is part of the seed stream, so
# changing it changes the output for a given seed.
CHUNK_CLIENTS = 40_000


@dataclass(frozen=True)
class SynthSummary:
    """What generate() wrote."""

    out_dir: Path
    n_clients: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    default_rate: float = float("nan")
    drift: Drift | None = None
    # None: one CSV per table; else clients per Parquet partition.
    partition_clients: int | None = None

    @property
    def files(self) -> dict[str, Path]:
        if self.partition_clients is not None:
            return {spec.name: self.out_dir / parquet_name(spec) for spec in TABLES}
        return {spec.name: self.out_dir / spec.filename for spec in TABLES}


@dataclass
class _Models:
    cal: Calibration
    bureau: BureauModel
    previous: PreviousModel
    monthly: MonthlyModel

    @classmethod
    def load(cls, path: Path | None) -> _Models:
        cal = load_calibration(path)
        return cls(
            cal,
            BureauModel.from_json(cal.bureau),
            PreviousModel.from_json(cal.previous),
            MonthlyModel.from_json(cal.monthly),
        )

    def vocab(self, spec: TableSpec) -> dict[str, list[str]]:
        fixed = {
            "bureau_balance": {"STATUS": list(STATUS)},
            "POS_CASH_balance": {"NAME_CONTRACT_STATUS": list(POS_STATUS)},
            "credit_card_balance": {"NAME_CONTRACT_STATUS": list(CARD_STATUS)},
        }
        if spec.name in fixed:
            return fixed[spec.name]
        if spec.name == "bureau":
            return self.bureau.table.vocab
        if spec.name == "previous_application":
            return self.previous.table.vocab
        return self.cal.application.table.vocab


def generate(
    n_clients: int,
    seed: int,
    out_dir: Path,
    *,
    progress: bool = True,
    calibration: Path | None = None,
    drift: Drift | None = None,
    partition_clients: int | None = None,
) -> SynthSummary:
    """Write the eight Home Credit CSVs for `n_clients` clients (train and test) to `out_dir`.

    The same seed and client count give byte-identical files. `calibration` overrides the
    packaged calibration.json (used to validate against held-out real rows). `drift` shifts
    application columns after generation (model_build.synth.drift): the same clients as
    without it, only the drifted columns differ. With `partition_clients`, the same rows go
    to Parquet instead, in partitions of that many clients with all their history
    (model_build.client_partitions); memory stays that of one chunk of clients.
    """
    if n_clients < 1:
        raise ValueError("n_clients must be positive")
    started = time.perf_counter()
    models = _Models.load(calibration)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    writers = _writers(models, out_dir, partition_clients)
    next_ids = {"bureau": FIRST_BUREAU_ID, "previous": FIRST_PREV_ID}
    defaults = 0
    try:
        with tqdm(
            total=n_clients, unit="clients", disable=not progress, file=sys.stderr, desc="synth"
        ) as bar:
            for chunk, start in enumerate(range(0, n_clients, CHUNK_CLIENTS)):
                ids = FIRST_CLIENT_ID + np.arange(start, min(start + CHUNK_CLIENTS, n_clients))
                rng = np.random.default_rng([seed, chunk])
                defaults += _chunk(
                    models, writers, ids, rng, next_ids, first=chunk == 0, drift=drift
                )
                for writer in writers.values():
                    if isinstance(writer, PartitionedParquetWriter):
                        writer.finish_before(int(ids[-1]) + 1)
                bar.update(len(ids))
    finally:
        for w in writers.values():
            w.close()
    rows = {name: w.rows for name, w in writers.items()}
    n_train = rows["application_train"]
    summary = SynthSummary(
        out_dir=out_dir,
        n_clients=n_clients,
        seed=seed,
        rows=rows,
        seconds=round(time.perf_counter() - started, 2),
        default_rate=defaults / n_train if n_train else float("nan"),
        drift=drift,
        partition_clients=partition_clients,
    )
    _write_manifest(out_dir, summary)
    logger.info("wrote %s in %.1fs: %s", out_dir, summary.seconds, rows)
    return summary


def _write_manifest(out_dir: Path, summary: SynthSummary) -> None:
    # Lets the model card say that a model was trained on synthetic data (and which).
    manifest = {
        "generator": "model_build.synth",
        "n_clients": summary.n_clients,
        "seed": summary.seed,
        "rows": summary.rows,
        "default_rate": summary.default_rate,
    }
    if summary.drift is not None:
        # Only drifted sets carry the key: undrifted manifests stay as they were.
        manifest["drift"] = summary.drift.spec
    if summary.partition_clients is not None:
        manifest["format"] = "parquet"
        manifest["partition_clients"] = summary.partition_clients
    (out_dir / SYNTHETIC_MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _writers(
    models: _Models, out_dir: Path, partition_clients: int | None
) -> dict[str, TableWriter]:
    if partition_clients is None:
        return {s.name: CsvTableWriter(s, out_dir / s.filename, models.vocab(s)) for s in TABLES}
    return {
        s.name: PartitionedParquetWriter(
            s,
            out_dir / parquet_name(s),
            models.vocab(s),
            partition_clients=partition_clients,
            first_client=FIRST_CLIENT_ID,
        )
        for s in TABLES
    }


def _chunk(
    models: _Models,
    writers: dict[str, TableWriter],
    ids: np.ndarray,
    rng: np.random.Generator,
    next_ids: dict[str, int],
    *,
    first: bool,
    drift: Drift | None = None,
) -> int:
    """Generate and write one chunk of clients with all their child rows; returns the number
    of defaults among its train clients."""
    apps = sample_applications(models.cal, ids, rng, first_chunk=first)
    if drift is not None:
        drift.apply(apps.columns)
    train = ~apps.is_test
    writers["application_train"].write({k: v[train] for k, v in apps.columns.items()})
    writers["application_test"].write({k: v[~train] for k, v in apps.columns.items()})

    bureau, balance, next_ids["bureau"] = sample_bureau(
        models.bureau, ids, apps.history, rng, next_ids["bureau"]
    )
    writers["bureau"].write(bureau)
    # Monthly rows reach their client through their credit; partitioned writers need it.
    owner = pd.Index(bureau["SK_ID_BUREAU"]).get_indexer(balance["SK_ID_BUREAU"])
    writers["bureau_balance"].write({**balance, "SK_ID_CURR": bureau["SK_ID_CURR"][owner]})
    del bureau, balance

    prev, owner, next_ids["previous"] = sample_previous(
        models.previous, ids, apps.history, rng, next_ids["previous"]
    )
    writers["previous_application"].write(prev)
    behaviour = loan_behaviour(apps.history[owner], rng)
    vocab = models.previous.table.vocab
    ctype, status = prev["NAME_CONTRACT_TYPE"], prev["NAME_CONTRACT_STATUS"]
    approved = status == vocab["NAME_CONTRACT_STATUS"].index("Approved")
    revolving = ctype == vocab["NAME_CONTRACT_TYPE"].index("Revolving loans")
    scheduled = (
        approved
        & ~revolving
        & (prev["CNT_PAYMENT"] > 0)
        & np.isfinite(prev["DAYS_FIRST_DUE"])
        & (prev["DAYS_FIRST_DUE"] != ANOMALY_DAYS)
        & (np.nan_to_num(prev["AMT_ANNUITY"]) > 0)
    )
    loans = np.flatnonzero(scheduled)
    pos, inst = sample_instalment_loans(models.monthly, prev, loans, behaviour[loans], rng)
    writers["POS_CASH_balance"].write(pos)
    writers["installments_payments"].write(inst)
    del pos, inst
    cards = np.flatnonzero(approved & revolving)
    cc, card_inst = sample_cards(models.monthly, prev, cards, behaviour[cards], rng)
    writers["credit_card_balance"].write(cc)
    writers["installments_payments"].write(card_inst)
    return int(apps.target[train].sum())
