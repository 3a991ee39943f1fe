// The API's read-only page for browsers (templates/rest_framework/api.html): colour the JSON.
// DRF's own default.js also wires up its forms and reads its CSRF data block; this page has
// neither (core/renderers.py).
document.addEventListener("DOMContentLoaded", () => {
  if (typeof window.prettyPrint === "function") {
    window.prettyPrint();
  }
});
