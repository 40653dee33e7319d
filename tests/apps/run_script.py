"""An app started the way a script would: `python run_script.py` calling `app.run()`."""

from fasterapi import FasterAPI

app = FasterAPI()


@app.get("/ping")
def ping():
    return {"pong": True}


if __name__ == "__main__":
    app.run(cores="1", pin=False)
