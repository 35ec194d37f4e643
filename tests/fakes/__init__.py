"""Local fakes of third-party APIs, served over real HTTP for channel and hand-off tests."""
