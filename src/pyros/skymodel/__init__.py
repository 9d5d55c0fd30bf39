"""The sky model: synthetic camera frames of any pointing, rendered offline (PURE).

``render_frame(FrameSpec(...))`` returns a uint16 frame (stars, sky, afterglows, detector
effects and noise); ``star_catalog`` returns exactly the stars it draws and ``frame_wcs``
the projection it uses, so a pipeline can check astrometry and photometry against truth.
See docs/skymodel.md.
"""

from pyros.skymodel.catalog import StarCatalog, star_catalog
from pyros.skymodel.projection import frame_wcs
from pyros.skymodel.render import render_frame
from pyros.skymodel.spec import FrameSpec, Transient

__all__ = ["FrameSpec", "StarCatalog", "Transient", "frame_wcs", "render_frame", "star_catalog"]
