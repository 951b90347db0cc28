"""`python -m facilitation.cli` is `easi`."""

import sys

from facilitation.cli import main

sys.exit(main())
