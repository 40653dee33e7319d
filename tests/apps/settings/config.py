"""The chapter's ``config.py``: the settings, read from environment variables and ``.env``."""

from fasterapi.settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    app_name: str = "Awesome API"
    admin_email: str
    items_per_user: int = 50

    model_config = SettingsConfigDict(env_file=".env")
