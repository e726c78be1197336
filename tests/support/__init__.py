"""Helpers shared by the test folders: fake servers, replay of recordings, hypothesis
strategies, comparisons. Imported as ``support`` (``pythonpath`` in pyproject.toml)."""
