"""Engines run the three stages of a run (clean, link, apply) over a corpus.

:mod:`newsclean.engines.local` runs them in this process or in worker processes on this
machine; :mod:`newsclean.engines.dask` on a Dask cluster. Both use the stage functions of
:mod:`newsclean.engines.stages`, so they give the same records, byte for byte (see
``docs/engines.md`` for when to use which).
"""
