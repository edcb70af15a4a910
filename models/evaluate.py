"""Evaluate a trained network: ``python -m models.evaluate <evaluation> [options]``."""

import sys

from models.eval_commands import EVALUATIONS


def main(argv=None):
    return EVALUATIONS.main(argv, "python -m models.evaluate", __doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
