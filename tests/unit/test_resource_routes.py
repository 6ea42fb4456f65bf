"""The resource's own route table (sections/routes.py): what a function answers for requests no route of its took."""

from sections.routes import match_resource


def test_the_resource_hands_over_its_path_parameters_by_name():
    assert match_resource("/api/v2/course/7/section/x'/") == (
        ("DELETE", "GET", "PATCH", "PUT"),
        {"id": "7", "section_id": "x'"},
    )
    assert match_resource("/api/v2/course/7/section") == (("GET", "POST"), {"id": "7"})
    assert match_resource("/api/v2/course/7") == (("GET", "PATCH"), {"id": "7"})
    assert match_resource("/api/v2/course/7/section/2/lesson") == (("GET", "POST"), {"id": "7", "section_id": "2"})
    assert match_resource("/api/v2/course/7/section/2/lesson/x/") == (
        ("DELETE", "GET", "PATCH", "PUT"),
        {"id": "7", "section_id": "2", "lesson_id": "x"},
    )
    assert match_resource("/api/v2/course/7/lesson/") == ((), {})
