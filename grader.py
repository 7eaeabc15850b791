"""The learner's entry point: progress, checks, hints, lessons, comparisons.

uv run python grader.py            # where you are, and the next exercise
uv run python grader.py --help     # every command
"""

import signal
import sys

from grading.cli import main

if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `grader.py | head` ends quietly
    sys.exit(main())
