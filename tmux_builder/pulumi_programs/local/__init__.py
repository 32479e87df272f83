"""Local-target resources: Pulumi dynamic providers whose ``read`` looks at reality, so
``refresh`` notices a deleted site or a dead process and the next ``up`` restores it.

The provider classes live here, in an installed module, because Pulumi serialises a dynamic
provider by reference and cannot load one defined in ``__main__`` or an inline program."""
