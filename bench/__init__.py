"""Benchmarks and evaluation runners (figures in bench/README.md)."""
