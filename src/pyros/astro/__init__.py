"""Pure astronomy helpers (no Django): offline astropy set-up, night bounds, visibility.

Importing this package configures astropy for an observatory that may have no internet:
IERS tables are never downloaded and the bundled ones never expire.
"""

from astropy.utils import iers

iers.conf.auto_download = False
iers.conf.auto_max_age = None
iers.conf.iers_degraded_accuracy = "warn"
