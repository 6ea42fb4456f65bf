"""Create a Course Section: the modules behind POST /api/v2/course/{id}/section/."""
