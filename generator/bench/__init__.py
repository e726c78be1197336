"""``make bench``: figures for generation speed and memory and for the generated clients.

Figures are printed, never asserted: timing belongs in a benchmark, not in a test that flakes.
Each part is a module with a ``main()``; ``python -m generator.bench [PART...]`` runs them.
"""
