"""`python -m hook.cli`: the same as the `govhook` command."""

import sys

from hook.cli import main

sys.exit(main())
