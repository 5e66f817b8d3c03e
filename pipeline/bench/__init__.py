"""Benchmarks (``python -m pipeline bench``); heavy imports happen inside the functions."""
