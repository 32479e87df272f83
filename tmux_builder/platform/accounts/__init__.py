"""Accounts: bearer tokens, recovery by email, and tokens issued by the operator."""
