"""The S3-API server (moto) for the three-host test's store and Pulumi state."""

from tests.support.object_stores import s3_server

__all__ = ["s3_server"]
