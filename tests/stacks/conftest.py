"""The object-store servers (moto's S3, Azurite) for the backend tests of the stack layer."""

from tests.support.object_stores import azurite_server, s3_server

__all__ = ["azurite_server", "s3_server"]
