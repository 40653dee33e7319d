"""FastAPI's "Settings and Environment Variables" chapter: settings in their own module
(config.py), read once through an ``@lru_cache`` dependency (main.py), overridden in the
tests (test_main.py). Served with ``fasterapi run tests.apps.settings.main:app``; the
settings come from the environment and from ``.env`` in the working directory."""
