// Drives every Course Section method of the platform's published client, @selfcommunity/api-services
// (pinned in requirements/npm/), against BASE_URL with TOKEN, and prints one JSON line per call:
// {"call": name, "status": HTTP status, "data": the body}. tests/e2e/test_published_client.py reads them.
"use strict";

const { CourseService } = require("@selfcommunity/api-services");
const { connect } = require("./recorder");

const [baseUrl, token, courseId, sectionArg] = process.argv.slice(2);
const record = connect(baseUrl, token);

async function main() {
  const created = await record(
    "createCourseSection",
    CourseService.createCourseSection(courseId, { name: "From the published client", lessons_order: [1, 2] })
  );
  const sectionId = sectionArg || (created.data && created.data.id);
  await record("getCourseSections", CourseService.getCourseSections(courseId));
  await record("getCourseSection", CourseService.getCourseSection(courseId, sectionId));
  await record(
    "updateCourseSection",
    CourseService.updateCourseSection(courseId, sectionId, { name: "Updated by the client", drip_delay: 4 })
  );
  await record("patchCourseSection", CourseService.patchCourseSection(courseId, sectionId, { lessons_order: [9] }));
  await record("deleteCourseSection", CourseService.deleteCourseSection(courseId, sectionId));
  await record("getCourseSections", CourseService.getCourseSections(courseId));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
