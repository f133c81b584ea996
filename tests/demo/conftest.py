from tests.importing.conftest import kefu_cli

__all__ = ["kefu_cli"]
