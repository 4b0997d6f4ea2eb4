#!/usr/bin/env python3
"""Build the flagship deck: the same as ``ankigen build`` (arguments are passed through)."""

import sys

from ankigen.cli import main

if __name__ == "__main__":
    main(["build", *sys.argv[1:]])
