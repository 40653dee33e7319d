"""FastAPI's "Testing" chapter and its advanced pages: an app tested from a separate file
(main.py / test_main.py), testing dependencies with overrides (dependencies.py), testing
events and lifespan (events.py, lifespan.py), and async tests (async_main.py; its async test
is in tests/integration/test_settings_and_testing.py, over a real server)."""
