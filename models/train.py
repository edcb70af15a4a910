"""Train a network: ``python -m models.train <recipe> [options]`` (``--help`` lists the recipes)."""

import sys

from models.recipes import RECIPES


def main(argv=None):
    return RECIPES.main(argv, "python -m models.train", __doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
