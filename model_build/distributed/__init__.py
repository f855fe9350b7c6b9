"""Batch scoring and training on a Dask cluster (a LocalCluster or a scheduler's address)."""
