"""python -m benchmarks: pin thread counts before numpy loads, then run the suite."""

import sys

from benchmarks.threads import pin_environment

pin_environment()

from benchmarks.run import main  # noqa: E402  (numpy must load after the environment is pinned)

sys.exit(main())
