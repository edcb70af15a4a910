"""The compiler's import structure in a checkout: the groups of flow/ modules that import each
other in a loop, and the compiler modules that import an application (models/, flow/targets/).

    PYTHONPATH=. python benchmarks/import_structure.py [CHECKOUT]   (default: this one)
"""

import argparse
from pathlib import Path

from tests.import_graph import application_imports, cycles, import_graph


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout", nargs="?", type=Path, default=Path(__file__).resolve().parents[1])
    root = ap.parse_args().checkout.resolve()
    loops = cycles(import_graph(root))
    print(f"{root}: {len(loops)} import cycles")
    for loop in loops:
        print("  " + " <-> ".join(loop))
    found = application_imports(root)
    imported = sorted({d for deps in found.values() for d in deps})
    print(f"{len(found)} compiler modules import {len(imported)} application modules")
    for module, deps in found.items():
        print(f"  {module}: {', '.join(deps)}")


if __name__ == "__main__":
    main()
