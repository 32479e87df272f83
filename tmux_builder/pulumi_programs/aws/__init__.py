"""AWS targets: S3 + CloudFront for static sites, EC2 for dynamic ones."""

from tmux_builder.pulumi_programs.aws.dynamic_site import aws_dynamic_program
from tmux_builder.pulumi_programs.aws.static_site import aws_static_program

__all__ = ["aws_dynamic_program", "aws_static_program"]
