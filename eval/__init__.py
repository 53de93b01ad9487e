"""Benchmarks of the aligners (not part of the installed package); see eval/RESULTS.md."""
