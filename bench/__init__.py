"""Benchmarks and the large demo dataset they run on (DESIGN §3)."""
