"""Getting back in without a token: a one-time code sent by email (``/api/auth/recover``),
exchanged once for a new token (``/api/auth/verify``). Both are rate-limited per email
address and per client address; asking for a code answers the same whether or not the
address has an account (the code is made and mailed after the answer is sent)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, status

from tmux_builder.api.deps import ClientAddress, State
from tmux_builder.api.schemas import IssuedTokenOut, RecoverAccepted, RecoverRequest, VerifyRequest
from tmux_builder.domain import normalize_email
from tmux_builder.errors import NotConfiguredError
from tmux_builder.platform.accounts.recovery import redeem_code, send_recovery_codes

router = APIRouter(prefix="/api/auth", tags=["auth"])
NO_SMTP = ("recovery by email is not configured on this server (TMUX_BUILDER_SMTP_HOST); ask "
           "the operator for a new token (tmux-builder users token <email>)")


@router.post("/recover", status_code=status.HTTP_202_ACCEPTED, response_model=RecoverAccepted)
def recover(body: RecoverRequest, address: ClientAddress, tasks: BackgroundTasks,
            state: State) -> RecoverAccepted:
    """Send a one-time sign-in code to the email address of the matching account(s)."""
    settings = state.settings
    if not settings.smtp_configured:
        raise NotConfiguredError(NO_SMTP, field="email")
    state.recovery.check(address, normalize_email(body.email), "email")
    tasks.add_task(send_recovery_codes, state.db, settings, body.email, body.phone)
    minutes = f"{settings.recovery_code_ttl_minutes:g}"
    return RecoverAccepted(detail=f"If an account uses this address, a sign-in code is on its "
                           f"way to it; the code works once, within {minutes} minutes.")


@router.post("/verify", response_model=IssuedTokenOut)
def verify(body: VerifyRequest, address: ClientAddress, state: State) -> IssuedTokenOut:
    """Exchange a code from the mail for a new write token (the code then stops working)."""
    state.code_checks.check(address, normalize_email(body.email), "email")
    issued = redeem_code(state.db, state.settings, body.email, body.code)
    return IssuedTokenOut(**issued.to_dict())
