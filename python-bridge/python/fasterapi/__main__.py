"""``python -m fasterapi run MODULE:APP`` — the same as the ``fasterapi`` command."""

import sys

from fasterapi.cli import main

sys.exit(main())
