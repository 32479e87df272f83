"""What every part of the platform stands on: settings, the stack engine built from them,
text checks, path redaction, private files, workspace paths, execution log events and
logging."""
