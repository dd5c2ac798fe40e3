"""erg: measure, simulate and reduce the energy of on-device ML inference.

The compiled core lives in erg._erg; this package re-exports it.
"""

from erg._erg import *  # noqa: F401,F403
from erg._erg import __version__, Error, info  # noqa: F401
