"""``python -m monitor.cli``: the same as the ``support-monitor`` command."""

import sys

from monitor.cli import main

sys.exit(main())
