"""The reference set's filters: anchors, linked types and prose (generator/reference.py)."""

from generator import reference

FILTERS = dict(reference.FILTERS)
