"""python hwh_reads.py HWH [HWH ...]: which parts of each .hwh pynq's own parser reads, in the board's
Python (pynq 3 and its pynqmetadata, run unmodified). Prints JSON: per file, "reads": every
"path@attribute" the parser asked for and got a value, each element named by its tag path with
MODULE[<MODTYPE>] for modules; "always" and "any": per element path, the attributes all (any)
of the file's elements at that path carry; and the ip_dict pynq builds (type, parameter names).

The parser uses xml.etree.ElementTree; the pure-Python ElementTree is loaded (its C accelerator
blocked) so that Element.get can be observed. A script, not a module: it runs without flow/.
"""

import json
import sys

sys.modules["_elementtree"] = None   # the pure-Python Element, whose get() can be wrapped
from xml.etree import ElementTree  # noqa: E402

READS: set = set()
PATHS: dict = {}
_parse, _fromstring, _get = ElementTree.parse, ElementTree.fromstring, ElementTree.Element.get


def _name(element) -> str:
    if element.tag == "MODULE":
        return f"MODULE[{_get(element, 'MODTYPE')}]"
    return element.tag


ATTRIBUTES: dict = {}   # path -> [set of attributes of each element at that path]


def _index(root) -> None:
    def walk(element, path):
        PATHS[id(element)] = path
        ATTRIBUTES.setdefault(path, []).append(set(element.attrib))
        for child in element:
            walk(child, f"{path}/{_name(child)}")
    walk(root, _name(root))


def parse(source, parser=None):
    tree = _parse(source, parser)
    _index(tree.getroot())
    return tree


def fromstring(text, parser=None):
    root = _fromstring(text, parser)
    _index(root)
    return root


def get(self, key, default=None):
    value = _get(self, key, default)
    if value is not None and value is not default and id(self) in PATHS:
        READS.add((PATHS[id(self)], key))
    return value


ElementTree.parse, ElementTree.fromstring, ElementTree.Element.get = parse, fromstring, get

from pynq.metadata.runtime_metadata_parser import RuntimeMetadataParser  # noqa: E402
from pynqmetadata.frontends import Metadata  # noqa: E402


def reads_of(hwh: str) -> dict:
    READS.clear()
    PATHS.clear()
    ATTRIBUTES.clear()
    parser = RuntimeMetadataParser(Metadata(input=hwh))
    ip = {name: {"type": d.get("type"), "parameters": sorted(d.get("parameters", {}))}
          for name, d in parser.ip_dict.items()}
    return {"reads": sorted(f"{path}@{key}" for path, key in READS), "ip_dict": ip,
            "always": {p: sorted(set.intersection(*a)) for p, a in ATTRIBUTES.items()},
            "any": {p: sorted(set.union(*a)) for p, a in ATTRIBUTES.items()},
            "clock_dict": {k: sorted(v) for k, v in parser.clock_dict.items()}}


if __name__ == "__main__":
    print(json.dumps({path: reads_of(path) for path in sys.argv[1:]}))
