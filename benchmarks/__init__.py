"""Latency and throughput benchmarks of the scoring server against common baselines."""
