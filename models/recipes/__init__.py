"""Training recipes for ``python -m models.train``: each module here registers with RECIPES."""

from models.registry import CommandRegistry

RECIPES = CommandRegistry(__name__, "recipe")
