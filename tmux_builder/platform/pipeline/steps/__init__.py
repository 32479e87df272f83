"""The steps, one module each, registered in the order of ``domain.StepName``. A step takes
the ``StepContext`` and returns a typed result (a dataclass, stored as the step record's
details) or raises ``StepFailed`` / ``Cancelled``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tmux_builder.domain import STEPS, StepName
from tmux_builder.platform.pipeline.context import StepContext
from tmux_builder.platform.pipeline.steps.code import write_the_code
from tmux_builder.platform.pipeline.steps.deploy import deploy_the_site
from tmux_builder.platform.pipeline.steps.e2e import run_the_e2e_tests
from tmux_builder.platform.pipeline.steps.health import check_the_site
from tmux_builder.platform.pipeline.steps.plan import plan_the_site
from tmux_builder.platform.pipeline.steps.requirements import write_requirements
from tmux_builder.platform.pipeline.steps.screenshot import photograph_the_site
from tmux_builder.platform.pipeline.steps.user_folder import make_user_folder
from tmux_builder.platform.pipeline.steps.workspace import lay_out_workspace

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

StepHandler = Callable[[StepContext], "DataclassInstance"]

STEP_HANDLERS: dict[StepName, StepHandler] = {
    StepName.create_user: make_user_folder,
    StepName.create_session: lay_out_workspace,
    StepName.gather_requirements: write_requirements,
    StepName.create_plan: plan_the_site,
    StepName.generate_code: write_the_code,
    StepName.deploy: deploy_the_site,
    StepName.health_check: check_the_site,
    StepName.screenshot: photograph_the_site,
    StepName.e2e_tests: run_the_e2e_tests,
}

if tuple(STEP_HANDLERS) != STEPS:
    raise RuntimeError("every step needs exactly one handler, registered in order")
