// Drives every Course Section method of the platform's published client, @selfcommunity/api-services
// (pinned in requirements/npm/), against BASE_URL with TOKEN, and prints one JSON line per call:
// {"call": name, "status": HTTP status, "data": the body}. tests/e2e/test_published_client.py reads them.
"use strict";

const { http, CourseService } = require("@selfcommunity/api-services");

const [baseUrl, token, courseId, sectionArg] = process.argv.slice(2);
http.setBasePortal(baseUrl);
http.setAuthorizeToken(token);
// The service methods resolve with the body only; the status of each answer is taken on its way in.
let lastStatus = null;
http.getClientInstance().interceptors.response.use((response) => {
  lastStatus = response.status;
  return response;
});

async function record(call, promise) {
  let line;
  try {
    const data = await promise;
    line = { call, status: lastStatus, data: data === "" ? null : data ?? null };
  } catch (error) {
    // The client rejects with axios's error (status >= 300); its response carries the status and body.
    const response = error.response || error;
    line = { call, status: response.status ?? String(error), data: response.data ?? null };
  }
  console.log(JSON.stringify(line));
  return line;
}

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
