"""Makes the package importable from a checkout (``python3 -m unittest discover -s sdks/python/tests``).

With ``KEYRA_SDK_INSTALLED=1`` the checkout is left alone, so the suite tests the ``keyra``
package installed in the interpreter (the built wheel, in e2e/sdk-python.test.ts)."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.environ.get("KEYRA_SDK_INSTALLED") != "1" and ROOT not in sys.path:
    sys.path.insert(0, ROOT)
