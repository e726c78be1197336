"""Helpers shared by the test folders: ``apis`` (one ``Case`` per API under ``specs/``),
``replay`` (recordings back to calls, fake servers), ``strategies`` (hypothesis), ``fakes``,
``loopback`` and ``compare``. Imported as ``support`` (``pythonpath`` in pyproject.toml)."""
