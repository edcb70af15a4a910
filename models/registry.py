"""A registry of named subcommands whose modules are discovered in a package.

``python -m models.train`` (package models.recipes) and ``python -m models.evaluate`` (package
models.eval_commands) are both built on it: a module in the package registers a name, a function
that adds its argparse options, and a run function; dropping a new module into the package adds
a subcommand without editing the CLI.

    from models.recipes import RECIPES

    def add_arguments(parser): parser.add_argument("--epochs", type=int, default=5)

    @RECIPES.register("my_recipe", "what it trains", add_arguments)
    def run(args): ...
"""

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], object]


class CommandRegistry:
    def __init__(self, package, kind):
        self.package = package  # dotted name of the package whose modules register commands
        self.kind = kind  # what a command is called in messages ("recipe", "evaluation")
        self.commands = {}

    def register(self, name, help, add_arguments):
        """Decorator registering `run(args)` as the command `name`."""

        def decorate(run):
            if name in self.commands:
                raise ValueError(f"{self.kind} {name!r} is registered twice ({run.__module__})")
            self.commands[name] = Command(name, help, add_arguments, run)
            return run

        return decorate

    def discover(self):
        """Import every module of the package, which registers its commands."""
        package = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{self.package}.{module.name}")
        return self.commands

    def parser(self, prog, description):
        parser = argparse.ArgumentParser(prog=prog, description=description)
        sub = parser.add_subparsers(dest="command", required=True, metavar=self.kind)
        for command in sorted(self.discover().values(), key=lambda c: c.name):
            command.add_arguments(sub.add_parser(command.name, help=command.help))
        return parser

    def main(self, argv, prog, description):
        """Parse `argv` and run the chosen command."""
        args = self.parser(prog, description).parse_args(argv)
        return self.commands[args.command].run(args)
