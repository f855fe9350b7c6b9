"""The REST baseline's server: FastAPI + uvicorn, a pickled scikit-learn pipeline per request.

``python -m benchmarks.baselines.rest_server --model PIPELINE.pkl --port P`` answers
``POST /predict`` with a JSON object of one feature row (null = missing) by
``pipeline.predict_proba(pd.DataFrame([row]))``: the usual notebook-to-API style.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import uvicorn
from fastapi import FastAPI

__all__ = ["create_app", "main"]


def create_app(model_path: Path) -> FastAPI:
    """The app serving the pickled ``{"pipeline", "dtypes"}`` bundle at ``model_path``."""
    with model_path.open("rb") as handle:
        bundle = pickle.load(handle)
    pipeline = bundle["pipeline"]
    dtypes: dict[str, str] = bundle["dtypes"]
    columns = list(dtypes)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/predict")
    def predict(row: dict[str, Any]) -> dict[str, float]:
        frame = pd.DataFrame([row], columns=columns).astype(dtypes)
        probability = float(pipeline.predict_proba(frame)[0, 1])
        return {"default_probability": probability}

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baselines.rest_server")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(args.model),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
