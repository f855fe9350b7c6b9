"""Crash tests: a real ``python -m server`` killed with SIGKILL under load, and its decision
store checked afterwards."""
