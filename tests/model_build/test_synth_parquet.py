"""`synth --format parquet`: the same rows as the CSVs, in partitions of whole clients, written
within bounded memory; and the loader reading Parquet tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model_build.artifacts import SYNTHETIC_MANIFEST
from model_build.client_partitions import client_ids, find_partitions, read_partition
from model_build.errors import DataError
from model_build.loader import load_dataset, parquet_name, read_table
from model_build.schema import BUREAU, TABLES
from model_build.synth import FIRST_CLIENT_ID, SynthSummary, generate

CLIENTS = 2500
SEED = 7
PARTITION_CLIENTS = 600


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csv")
    generate(CLIENTS, SEED, out, progress=False)
    return out


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    out = tmp_path_factory.mktemp("parquet")
    return generate(CLIENTS, SEED, out, progress=False, partition_clients=PARTITION_CLIENTS)


def by_value(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in a canonical order, categories as their values (each file keeps its own
    category order: the CSV reader's is the order of appearance)."""
    plain = frame.astype({c: object for c in frame.select_dtypes("category").columns})
    return plain.sort_values(list(plain.columns), ignore_index=True)


def test_parquet_partitions_hold_the_same_rows_as_the_same_seeds_csv(
    csv_dir: Path, partitioned: SynthSummary
) -> None:
    from_csv = load_dataset(csv_dir)
    from_parquet = load_dataset(partitioned.out_dir)
    assert from_parquet.present() == from_csv.present() == [spec.name for spec in TABLES]
    for spec in TABLES:
        pd.testing.assert_frame_equal(
            by_value(from_parquet.table(spec.name)), by_value(from_csv.table(spec.name))
        )


def test_each_partition_holds_its_range_of_clients_with_all_their_history(
    partitioned: SynthSummary,
) -> None:
    partitions = find_partitions(partitioned.out_dir)
    assert partitions is not None
    assert [p.index for p in partitions] == list(range(-(-CLIENTS // PARTITION_CLIENTS)))
    rows = dict.fromkeys(partitioned.rows, 0)
    for partition in partitions:
        # orphans="error": a child row whose client is in another partition would be one.
        dataset = read_partition(partition, orphans="error")
        first = FIRST_CLIENT_ID + partition.index * PARTITION_CLIENTS
        assert np.isin(client_ids(dataset), np.arange(first, first + PARTITION_CLIENTS)).all()
        for name in rows:
            rows[name] += len(dataset.table(name))
    assert rows == partitioned.rows


def test_the_layout_is_one_directory_per_table_of_client_partitions(
    partitioned: SynthSummary,
) -> None:
    table_dir = partitioned.out_dir / parquet_name(BUREAU)
    assert partitioned.files["bureau"] == table_dir
    assert sorted(p.name for p in table_dir.iterdir()) == [
        f"client_part={k:06d}" for k in range(-(-CLIENTS // PARTITION_CLIENTS))
    ]
    schema = pq.read_schema(table_dir / "client_part=000000" / "part-0.parquet")
    assert schema.field("SK_ID_BUREAU").type == pa.int32()
    manifest = json.loads((partitioned.out_dir / SYNTHETIC_MANIFEST).read_text())
    assert manifest["format"] == "parquet"
    assert manifest["partition_clients"] == PARTITION_CLIENTS


def test_memory_while_writing_does_not_grow_with_the_number_of_clients(tmp_path: Path) -> None:
    # Small chunks so that a few seconds cover many chunks and partitions; peak RSS of a
    # fresh process per run. Holding 15,000 clients' tables would add about 300 MB.
    script = (
        "import resource, sys; from pathlib import Path; import model_build.synth as synth; "
        "synth.CHUNK_CLIENTS = 1000; "
        "synth.generate(int(sys.argv[1]), 3, Path(sys.argv[2]), progress=False, "
        "partition_clients=500); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
    )
    peak_mb = {}
    for clients in (3000, 15000):
        done = subprocess.run(
            [sys.executable, "-c", script, str(clients), str(tmp_path / str(clients))],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        peak_mb[clients] = int(done.stdout.split()[-1])
    assert len(find_partitions(tmp_path / "15000") or []) == 30
    assert peak_mb[15000] - peak_mb[3000] < 50, peak_mb


def test_the_loader_reads_a_table_from_one_parquet_file(csv_dir: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(csv_dir / BUREAU.filename)
    frame.to_parquet(tmp_path / "bureau.parquet", index=False)  # int64 and str columns
    from_parquet = read_table(BUREAU, tmp_path / "bureau.parquet")
    from_csv = read_table(BUREAU, csv_dir / BUREAU.filename)
    assert dict(from_parquet.dtypes) == dict(from_csv.dtypes)
    pd.testing.assert_frame_equal(by_value(from_parquet), by_value(from_csv))


def test_a_parquet_value_outside_the_schema_type_names_file_and_column(tmp_path: Path) -> None:
    row = {c.name: "Active" if c.is_categorical else 1 for c in BUREAU.columns}
    row["DAYS_CREDIT"] = 10**12  # DAYS_CREDIT is int32 in the schema
    pd.DataFrame([row]).to_parquet(tmp_path / "bureau.parquet", index=False)
    with pytest.raises(DataError, match=r"^bureau.parquet, column DAYS_CREDIT: cannot be read"):
        read_table(BUREAU, tmp_path / "bureau.parquet")


def test_a_table_both_as_csv_and_parquet_is_refused(csv_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "application_train.csv").symlink_to(csv_dir / "application_train.csv")
    (tmp_path / "application_train.parquet").mkdir()
    both = r"both application_train\.csv and application_train\.parquet in .*: keep one"
    with pytest.raises(DataError, match=both):
        load_dataset(tmp_path)
