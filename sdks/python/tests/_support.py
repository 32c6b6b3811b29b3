"""Makes the package importable from a checkout (``python3 -m unittest discover -s sdks/python/tests``)."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
