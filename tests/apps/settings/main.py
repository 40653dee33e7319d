"""The chapter's ``main.py``: the settings as a dependency, created once per interpreter.

``@lru_cache`` makes ``Settings()`` (reading the environment and ``.env``) run on the first
request only; every core runs its own copy of the app, so each reads them once.
"""

from functools import lru_cache
from typing import Annotated

from fasterapi import Depends, FasterAPI

from . import config

app = FasterAPI()


@lru_cache
def get_settings():
    return config.Settings()


@app.get("/info")
async def info(settings: Annotated[config.Settings, Depends(get_settings)]):
    return {
        "app_name": settings.app_name,
        "admin_email": settings.admin_email,
        "items_per_user": settings.items_per_user,
    }
