// The platform's real course editor, EditCourse from @selfcommunity/react-ui (pinned in
// requirements/editor/), on a page of its own, against this API alone. localdev/editor.py bundles it
// with esbuild; `make editor` serves it, and tests/e2e/test_real_editor.py drives it in Chromium.
//
// Everything comes from the URL's fragment (never sent to the page's server, so the token is not in
// its logs): #api=<API base URL>&token=<JWT>&course=<id>&type=<structured|scheduled|self-paced>&name=<name>.
//
// The editor loads the course itself, through its own GET /api/v2/course/{id}/?view=edit: this API answers
// the outline (sections and lessons). The rest of Course Detail (name, description, categories) belongs to
// the platform's course service, so the page stands in for that one service only: it adds those fields to
// the editor's own answer, as a platform merging the two would (docs/api.md, "The course outline").
import React from "react";
import { createRoot } from "react-dom/client";
import { http } from "@selfcommunity/api-services";
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

// What the platform's course service adds to the outline: nothing this API owns is set here.
const courseService = {
  name: params.get("name") || `Course ${courseId}`,
  description: "",
  categories: [],
};
const outlinePath = new RegExp(`/api/v2/course/${courseId}/?$`);

http.getClientInstance().interceptors.response.use((response) => {
  const { method, url, baseURL } = response.config;
  if (method === "get" && outlinePath.test(new URL(url, baseURL || api).pathname)) {
    response.data = { ...courseService, ...response.data };
  }
  return response;
});

function main() {
  const root = createRoot(document.getElementById("root"));
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
      <EditCourse courseId={courseId} />
    </SCContextProvider>
  );
}

main();
