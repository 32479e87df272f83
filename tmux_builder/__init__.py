"""tmux-builder: a plain-language request becomes a deployed, verified website.

Subpackages (dependencies point one way): ``api`` -> ``platform`` -> ``stacks`` ->
``pulumi_programs``; ``platform`` also uses ``agent_library``. ``errors`` is a leaf every layer
may import.
"""

__version__ = "0.1.0"
