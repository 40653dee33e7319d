"""A router shared with other projects: its prefix, tags and responses are set where it is
included (main.py), not here."""

from fasterapi import APIRouter

router = APIRouter()


@router.post("/")
async def update_admin():
    return {"message": "Admin getting schwifty"}
