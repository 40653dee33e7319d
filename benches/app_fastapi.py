"""scripts/bench-app, FastAPI side: the same source as benches/app_fasterapi.py."""

from benches.app_source import load

app = load("fastapi").app
