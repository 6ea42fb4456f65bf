"""Powertools' HTTP API resolver, without the eager imports of the packages around it.

`event_handler/__init__.py` imports every resolver Powertools has and `utilities/data_classes/
__init__.py` every event source: a large share of a cold start (docs/performance.md) for code never run.
Both are deferred (sections/deferred_imports.py) before the resolver module itself is imported.
"""

from __future__ import annotations

from sections.deferred_imports import defer_package_init

defer_package_init("aws_lambda_powertools.utilities.data_classes")
defer_package_init("aws_lambda_powertools.event_handler")

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response  # noqa: E402

__all__ = ["APIGatewayHttpResolver", "Response"]
