"""Where the served model comes from: an artifacts directory, or a version in MLflow's registry."""

from __future__ import annotations

import logging
import re
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from model_build.mlflow_env import prepare_mlflow

__all__ = ["REGISTRY_PREFIX", "ModelSourceError", "is_registered_model", "resolve_artifacts"]

logger = logging.getLogger(__name__)

REGISTRY_PREFIX = "models:/"
# models:/NAME/VERSION or models:/NAME@ALIAS (MLflow's model URIs of a registered model).
_REGISTERED = re.compile(
    r"models:/(?P<name>[^/@]+)(?:/(?P<version>[1-9][0-9]*)|@(?P<alias>[A-Za-z0-9_-]+))"
)
_EXPECTED = "models:/NAME/VERSION or models:/NAME@ALIAS"


class ModelSourceError(ValueError):
    """A model source that cannot be located; the message names it, on one line."""


def is_registered_model(source: str | Path) -> bool:
    """Whether ``source`` names a registered model (``models:/...``) rather than a directory."""
    return str(source).startswith(REGISTRY_PREFIX)


def resolve_artifacts(
    source: str | Path,
    *,
    tracking_uri: str | None = None,
    download_dir: Path | None = None,
) -> Path:
    """The local artifacts directory of ``source``.

    A directory path is returned as it is (load_artifacts checks it). A registered version,
    ``models:/NAME/VERSION`` or ``models:/NAME@ALIAS``, is looked up in the MLflow registry at
    ``tracking_uri`` (default: MLflow's own, from MLFLOW_TRACKING_URI): its files are used in
    place when they are on this machine (a file store), else downloaded into ``download_dir``
    (default: a new temporary directory). ModelSourceError names the source otherwise.
    """
    if not is_registered_model(source):
        return Path(source)
    spec = str(source)
    match = _REGISTERED.fullmatch(spec)
    if match is None:
        raise ModelSourceError(f"{spec}: not a registered model; expected {_EXPECTED}")
    # Imported here: MLflow takes seconds to import, and only this kind of source needs it.
    prepare_mlflow()
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    uri = tracking_uri or mlflow.get_tracking_uri()
    try:
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        name, alias = match["name"], match["alias"]
        version = (
            client.get_model_version_by_alias(name, alias)
            if alias is not None
            else client.get_model_version(name, match["version"])
        )
        if version.model_id:
            status = client.get_logged_model(version.model_id).status
            if str(status) != "READY":
                raise ModelSourceError(
                    f"{spec}: version {version.version}'s files are not complete (its logged "
                    f"model {version.model_id} is {status}); serve another version"
                )
        location = client.get_model_version_download_uri(name, version.version)
        local = _local_path(location)
        if local is None:
            target = download_dir or Path(tempfile.mkdtemp(prefix="creditscore-model-"))
            local = Path(
                mlflow.artifacts.download_artifacts(
                    artifact_uri=location, dst_path=str(target), tracking_uri=uri
                )
            )
    except MlflowException as error:
        raise ModelSourceError(f"{spec}: {error.message} (tracking URI {uri})") from None
    logger.info("model %s is version %s of %s, at %s", spec, version.version, name, local)
    return local


def _local_path(location: str) -> Path | None:
    """The directory of a file: URI (or plain path); None for a remote location."""
    parsed = urllib.parse.urlparse(location)
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if len(parsed.scheme) <= 1:
        return Path(location)
    return None
