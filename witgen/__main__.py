"""``python -m witgen``."""

import sys

from witgen.cli import main

sys.exit(main())
