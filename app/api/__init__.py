"""The JSON API under /api/v1/: everything the console shows and does, for scripts."""
