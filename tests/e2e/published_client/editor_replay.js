// Replays the platform's course editor (EditCourse in @selfcommunity/react-ui 0.11.0-alpha.119) against
// BASE_URL with TOKEN, through the published client it is built on (@selfcommunity/api-services, pinned
// in requirements/npm/), making each call exactly as the editor's source does:
// - Lessons/FieldName.js adds and renames a section with http.request and {name, type: "lesson"}, to
//   Endpoints.CreateCourseSection (new row) or Endpoints.PatchCourseSection (rename);
// - Lessons/SectionRow.js patches lessons_order after a drag and drop, and deletes sections;
// - LessonReleaseMenu.js patches drip_delay, in days as its input's text ("7") and in weeks as a number
//   (the text times 7), and dripped_at as Date.toISOString();
// - FieldName.js, confirmed untyped after an earlier save in its row, sends {name: null} (its setName(null));
// - Lessons.js reorders the sections with CourseService.patchCourse(course.id, {sections_order}).
// Prints one JSON line per call: {"call", "status", "data"}. tests/e2e/test_published_client.py reads them.
"use strict";

const { http, CourseService, Endpoints } = require("@selfcommunity/api-services");
const { connect } = require("./recorder");

const [baseUrl, token, courseId] = process.argv.slice(2);
const record = connect(baseUrl, token);

// FieldName.js: http.request resolves with axios's response; the editor reads response.data.
function saveName(call, endpoint, ids, name) {
  return record(
    call,
    http.request({ url: endpoint.url(ids), method: endpoint.method, data: { name, type: "lesson" } }),
    (response) => response.data
  );
}

async function main() {
  const added = [];
  for (const name of ["Week 1", "Week 2", "Week 3"]) {
    const line = await saveName("addSection", Endpoints.CreateCourseSection, { id: courseId }, name);
    added.push(line.data && line.data.id);
  }
  const [first, second, third] = added;
  await saveName("renameSection", Endpoints.PatchCourseSection, { id: courseId, section_id: second }, "Week 2, renamed");
  await saveName("renameSectionUntyped", Endpoints.PatchCourseSection, { id: courseId, section_id: second }, null);
  await record("patchLessonsOrder", CourseService.patchCourseSection(courseId, first, { lessons_order: [3, 1, 2] }));
  await record("patchDripDelay", CourseService.patchCourseSection(courseId, first, { drip_delay: "7" }));
  await record("patchDripDelayWeeks", CourseService.patchCourseSection(courseId, third, { drip_delay: "2" * 7 }));
  const releasedAt = new Date(Date.UTC(2027, 0, 15, 9, 30, 0, 0));
  await record("patchDrippedAt", CourseService.patchCourseSection(courseId, first, { dripped_at: releasedAt.toISOString() }));
  await record("patchCourse", CourseService.patchCourse(courseId, { sections_order: [third, first, second] }));
  await record("getCourseSections", CourseService.getCourseSections(courseId));
  await record("deleteCourseSection", CourseService.deleteCourseSection(courseId, first));
  await record("getCourseSections", CourseService.getCourseSections(courseId));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
