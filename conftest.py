"""Root conftest: the only place pytest accepts `pytest_plugins` in every invocation (the whole
suite, one folder, one file, any working directory), because it is always an initial conftest."""

pytest_plugins = ["tests.support.stack"]
