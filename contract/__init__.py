"""The API's published contract, docs/openapi.json, generated from the code (`make openapi`).

Tooling, not local development: it loads each function's resolver and the request-body models, adds
the documented response models (contract/openapi.py), and never ships in a layer.
"""
