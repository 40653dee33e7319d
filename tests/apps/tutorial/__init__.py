"""FastAPI's tutorial chapters, with only the imports changed to ``from fasterapi import ...``.

One module per chapter; each defines ``app``. tests/integration/test_tutorial.py serves every
module with the real server and runs the same code under FastAPI (imports changed back) to
compare the answers request by request.
"""
