"""The caller's own tokens: list, create, rename, revoke and rotate (``/api/tokens``).
Listing needs any valid token; every change needs a write token. Another user's token ids
answer 404; a token's secret is shown only when it is minted."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from tmux_builder.api.deps import CurrentCaller, State, TokenId, WriteCaller
from tmux_builder.api.schemas import (
    IssuedTokenOut,
    NewTokenRequest,
    RenameTokenRequest,
    TokenOut,
)
from tmux_builder.platform.accounts.tokens import (
    Caller,
    create_token,
    list_tokens,
    rename_token,
    revoke_token,
    rotate_token,
)

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


def _out(token: dict[str, Any], caller: Caller) -> TokenOut:
    return TokenOut(**token, current=token["id"] == caller.token_id)


@router.get("", response_model=list[TokenOut])
def get_tokens(caller: CurrentCaller, state: State) -> list[TokenOut]:
    """Every token of the caller (active, revoked and expired), oldest first."""
    return [_out(token, caller) for token in list_tokens(state.db, caller.user_id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IssuedTokenOut)
def new_token(body: NewTokenRequest, caller: WriteCaller, state: State) -> IssuedTokenOut:
    """Mint another token (named; ``read`` or ``write``; optional lifetime)."""
    issued = create_token(state.db, state.settings, caller.user_id, name=body.name,
                          scope=body.scope, expires_in_days=body.expires_in_days)
    return IssuedTokenOut(**issued.to_dict())


@router.patch("/{token_id}", response_model=TokenOut)
def rename(token_id: TokenId, body: RenameTokenRequest, caller: WriteCaller,
           state: State) -> TokenOut:
    return _out(rename_token(state.db, caller.user_id, token_id, body.name), caller)


@router.delete("/{token_id}", response_model=TokenOut)
def revoke(token_id: TokenId, caller: WriteCaller, state: State) -> TokenOut:
    """Revoke the token at once (also the one in use: that signs this client out)."""
    return _out(revoke_token(state.db, caller.user_id, token_id), caller)


@router.post("/{token_id}/rotate", status_code=status.HTTP_201_CREATED,
             response_model=IssuedTokenOut)
def rotate(token_id: TokenId, caller: WriteCaller, state: State) -> IssuedTokenOut:
    """Revoke the token and mint its successor with the same name, scope and lifetime."""
    issued = rotate_token(state.db, state.settings, caller.user_id, token_id)
    return IssuedTokenOut(**issued.to_dict())
