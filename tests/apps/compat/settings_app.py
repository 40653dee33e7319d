"""FastAPI's "Settings and Environment Variables" chapter exactly as FastAPI spells it
(``fastapi`` and ``pydantic_settings`` imports), for ``fasterapi run --compat``. The tests
also run this source under real FastAPI and pydantic-settings and compare."""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    app_name: str = "Awesome API"
    admin_email: str
    items_per_user: int = 50
    hosts: list[str] = []

    model_config = SettingsConfigDict(env_file=".env")


app = FastAPI()


@lru_cache
def get_settings():
    return Settings()


@app.get("/info")
async def info(settings: Annotated[Settings, Depends(get_settings)]):
    return {
        "app_name": settings.app_name,
        "admin_email": settings.admin_email,
        "items_per_user": settings.items_per_user,
        "hosts": settings.hosts,
    }
