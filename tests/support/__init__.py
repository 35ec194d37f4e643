"""Helpers shared by the test suites, benchmarks and the evaluation runner."""
