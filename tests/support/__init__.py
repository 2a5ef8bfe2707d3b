"""Test helpers shared by fault, integration and benchmark code (not collected as tests)."""
