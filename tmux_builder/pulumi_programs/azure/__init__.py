"""Azure targets: Storage static website + Front Door Standard, or a Linux VM."""

from tmux_builder.pulumi_programs.azure.dynamic_site import azure_dynamic_program
from tmux_builder.pulumi_programs.azure.static_site import azure_static_program

__all__ = ["azure_dynamic_program", "azure_static_program"]
