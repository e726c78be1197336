"""specgen: typed Python clients from validated, overlaid OpenAPI specs.

The pipeline, one module per stage:
``load`` -> ``overlay`` -> ``validate`` -> ``build`` (the ``ir``) -> ``models`` -> ``render`` ->
``fmt`` -> ``write``, with ``check``, ``diff`` and ``recordings`` on top and ``cli`` as the
entry point.
"""

__version__ = "0.1.0"
