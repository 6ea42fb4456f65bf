"""The create's and the patch's floors, with the body validated by the function's own pydantic models.

Informational: what the contract's choice of validation library costs by itself (pydantic's import,
the models' build, one validation), shown beside each function's cold start so that a reader can
tell pydantic's share from what the function adds (docs/performance.md).
"""

from floor_handler import lambda_handler as create_floor
from floor_handler import lesson_handler as lesson_floor
from floor_handler import patch_handler as patch_floor

from sections.request_models import LessonRequest, SectionChanges, SectionRequest


def lambda_handler(event, context):
    SectionRequest.model_validate_json(event["body"], strict=True)
    return create_floor(event, context)


def patch_handler(event, context):
    SectionChanges.model_validate_json(event["body"], strict=True)
    return patch_floor(event, context)


def lesson_handler(event, context):
    LessonRequest.model_validate_json(event["body"], strict=True)
    return lesson_floor(event, context)
