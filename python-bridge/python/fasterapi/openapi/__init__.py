"""OpenAPI: the document (``utils.get_openapi``) and the ``/docs`` and ``/redoc`` pages (``docs``)."""
