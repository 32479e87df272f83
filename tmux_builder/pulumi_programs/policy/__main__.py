"""The policy pack's program: run by ``python -m pulumi.policy <engine> .`` in this folder."""

from tmux_builder.pulumi_programs.policy.pack import serve

serve()
