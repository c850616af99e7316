"""Engines run the three stages of a run (clean, link, apply) over a corpus.

:mod:`newsclean.engines.local` runs them in this process or in worker processes on this
machine.
"""
