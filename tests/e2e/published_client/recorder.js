// What both client scripts share: the published client pointed at BASE_URL with TOKEN, and `record`,
// which awaits one call and prints one JSON line {"call", "status", "data"} for the Python test to read.
"use strict";

const { http } = require("@selfcommunity/api-services");

function connect(baseUrl, token) {
  http.setBasePortal(baseUrl);
  http.setAuthorizeToken(token);
  // The service methods resolve with the body only; the status of each answer is taken on its way in.
  let lastStatus = null;
  http.getClientInstance().interceptors.response.use((response) => {
    lastStatus = response.status;
    return response;
  });

  // `body` picks the body out of what the call resolves with (http.request: axios's whole response).
  return async function record(call, promise, body = (resolved) => resolved) {
    let line;
    try {
      const data = body(await promise);
      line = { call, status: lastStatus, data: data === "" ? null : data ?? null };
    } catch (error) {
      // The client rejects with axios's error (status >= 300); its response carries the status and body.
      const response = error.response || error;
      line = { call, status: response.status ?? String(error), data: response.data ?? null };
    }
    console.log(JSON.stringify(line));
    return line;
  };
}

module.exports = { connect };
