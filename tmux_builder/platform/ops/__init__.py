"""Operations on the platform as a whole: the stack index, teardown and reaping, orphans,
cost reporting."""
