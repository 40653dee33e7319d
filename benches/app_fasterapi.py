"""scripts/bench-app, FasterAPI side: /json and /users/me (benches/app_source.py)."""

from benches.app_source import load

app = load("fasterapi").app
