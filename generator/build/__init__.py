"""Build the intermediate model (``ir.Api``) and the models' input schema from an effective spec.

A pure function of the spec: names are decided here (``naming``), inline object schemas are
given names and hoisted into components so the models stage can emit classes for them, and
anything that cannot be generated is an error naming its place in the spec.

One module per concern: ``types`` (Python types of schemas, hoisting), ``operations``
(methods and parameters), ``bodies``, ``responses``, ``media`` and ``pagination`` (their parts),
``security`` and ``servers``, ``models_input`` (what the models stage reads), and ``api`` (the
top: ``build_api``).
"""

from generator.build.api import Built, Target, build_api

__all__ = ["Built", "Target", "build_api"]
