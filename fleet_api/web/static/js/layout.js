// Every page: the menu button on narrow screens (Alpine.js, CSP build: components are
// registered here, templates only name them).
document.addEventListener("alpine:init", () => {
  window.Alpine.data("menu", () => ({
    open: false,
    get expanded() { return this.open ? "true" : "false"; },
    toggle() { this.open = !this.open; },
  }));
});
