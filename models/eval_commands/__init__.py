"""Evaluations for ``python -m models.evaluate``: each module here registers with EVALUATIONS."""

from models.registry import CommandRegistry

EVALUATIONS = CommandRegistry(__name__, "evaluation")
