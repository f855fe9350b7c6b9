"""The Dask cluster a job runs on: a LocalCluster on this machine, or a scheduler's address."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from distributed import Client, LocalCluster

from model_build.errors import ModelBuildError

__all__ = ["LOCAL", "connect", "worker_count"]

logger = logging.getLogger(__name__)

# The value of --dask that starts a cluster on this machine instead of joining one.
LOCAL = "local"


@contextmanager
def connect(address: str, *, n_workers: int | None = None) -> Iterator[Client]:
    """A client of the cluster at ``address`` (``tcp://host:8786``), or of a LocalCluster
    started for the job when ``address`` is ``local`` (``n_workers`` single-threaded worker
    processes, default one per usable core) and closed after it.

    An address that cannot be reached within ``distributed.comm.timeouts.connect`` is a
    ModelBuildError naming it.
    """
    with ExitStack() as stack:
        if address == LOCAL:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=n_workers or _usable_cores(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(_remote(address))
        logger.info("Dask cluster %s: %d workers", client.scheduler.address, worker_count(client))
        yield client


def worker_count(client: Client) -> int:
    """The number of workers the scheduler knows now."""
    return len(client.scheduler_info(n_workers=-1)["workers"])


def _remote(address: str) -> Client:
    try:
        return Client(address)
    except (OSError, TimeoutError, ValueError) as exc:
        # OSError covers refused and timed-out connections; ValueError a malformed address.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelBuildError(
            f"cannot reach the Dask scheduler at {address!r} ({reason}); give --dask a "
            "scheduler address such as tcp://host:8786, or local"
        ) from None


def _usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
