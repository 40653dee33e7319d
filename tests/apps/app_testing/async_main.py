""""Async Tests": the app the chapter tests from an ``async def`` test."""

from fasterapi import FasterAPI

app = FasterAPI()


@app.get("/")
async def root():
    return {"message": "Tomato"}
