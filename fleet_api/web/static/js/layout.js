// Every page: the menu button on narrow screens. Plain JavaScript rather than an Alpine.js
// component, because the map page does without Alpine (see fleet/templates/carte.html).
// Pages with local state of their own register Alpine components (CSP build: registered in
// a script, only named in the template) on "alpine:init".
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".menu-toggle")) {
    button.addEventListener("click", () => {
      button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
    });
  }
});
