"""scripts/bench-app, FasterAPI side with CORSMiddleware + GZipMiddleware (benches/app_source.py)."""

from benches.app_source import load

app = load("fasterapi", middleware=True).app
