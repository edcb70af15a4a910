"""The error every compiler pass raises for a graph it cannot handle."""


class UnsupportedGraph(ValueError):
    """A node the compiler cannot handle; the message names the node, its op and what is supported."""

    def __init__(self, node, problem: str, supported: str = ""):
        where = f"{node.op_type} node '{node.name}'" if node is not None else "graph"
        text = f"{where}: {problem}"
        if supported:
            text += f" (supported: {supported})"
        super().__init__(text)
