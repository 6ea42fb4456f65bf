// The platform's real course editor, EditCourse from @selfcommunity/react-ui (pinned in
// requirements/editor/), on a page of its own, against this API alone. localdev/editor.py bundles it
// with esbuild; `make editor` serves it, and tests/e2e/test_real_editor.py drives it in Chromium.
//
// Everything comes from the URL's fragment (never sent to the page's server, so the token is not in
// its logs): #api=<API base URL>&token=<JWT>&course=<id>&type=<structured|scheduled|self-paced>&name=<name>.
//
// The editor reads a course's sections from the platform's course detail, GET /api/v2/course/{id}/?view=edit,
// which this API does not serve. Given a `course` prop it fetches nothing, so the page builds that prop
// from this API's section list, as a platform serving the course detail from this service would.
import React from "react";
import { createRoot } from "react-dom/client";
import { SCContextProvider, SCPreferences } from "@selfcommunity/react-core";
import { EditCourse } from "@selfcommunity/react-ui";

const params = new URLSearchParams(location.hash.slice(1));
const api = params.get("api");
const token = params.get("token");
const courseId = Number(params.get("course"));

// SCPreferencesProvider renders nothing until the community's preferences and features have loaded,
// unless the configuration already holds some of each; SCRoutingProvider then reads its URL templates
// from them. This API does not serve the platform's preferences (its calls to them get 404), so the
// page supplies the URL templates, and the feature this component belongs to ("course").
const urlTemplates = Object.fromEntries(
  Object.entries(SCPreferences)
    .filter(([name]) => name.startsWith("CONFIGURATIONS_URL_TEMPLATE_"))
    .map(([, key]) => [key, { value: "/" }])
);

async function courseFromSections() {
  const response = await fetch(`${api}/api/v2/course/${courseId}/section/`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    throw new Error(`GET the course's sections: ${response.status} ${await response.text()}`);
  }
  const sections = (await response.json()).map((section) => ({ ...section, lessons: [] }));
  return {
    id: courseId,
    name: params.get("name") || `Course ${courseId}`,
    type: params.get("type") || "structured",
    description: "",
    categories: [],
    num_sections: sections.length,
    num_lessons: 0,
    sections,
  };
}

async function main() {
  const root = createRoot(document.getElementById("root"));
  let course;
  try {
    course = await courseFromSections();
  } catch (error) {
    document.getElementById("root").textContent = String(error);
    return;
  }
  const conf = {
    portal: api,
    locale: { default: "en" },
    session: {
      type: "JWT",
      authToken: { accessToken: token },
      handleRefreshToken: () => Promise.resolve({ accessToken: token }),
    },
    preferences: { preferences: urlTemplates, features: ["course"] },
  };
  root.render(
    <SCContextProvider conf={conf}>
      <EditCourse course={course} />
    </SCContextProvider>
  );
}

main();
