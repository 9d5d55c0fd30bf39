"""The Analyzer: master calibrations, reduction, photometry, astrometry and burst analysis.

Two layers (docs/pipeline.md):

* :mod:`pyros.pipeline.core` is PURE (no Django): the image algorithms, on arrays and files,
  with inputs and time as arguments; benchmarked alone by ``pyros bench pipeline``.
* The Django app (label ``pipeline``): :mod:`~pyros.pipeline.models` (results),
  :mod:`~pyros.pipeline.actions` (every write), :mod:`~pyros.pipeline.tasks` (thin Celery
  wrappers) and :mod:`~pyros.pipeline.api` (what the execution agent calls).

This ``__init__`` imports nothing, so importing the pure core never loads Django.
"""
