// Commander board: the clocks (clocks.js) after each refresh, and a note while polling is paused
// because a re-dispatch form is open.
(function () {
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "board-orders") window.RongzhiClocks.tick();
  });
  // A poll is skipped while a <details> re-dispatch form is open, so the form is not swapped
  // away under the commander's fingers. (Here, not in an hx-trigger filter: htmx evaluates
  // filters with eval, which the Content Security Policy forbids.)
  function formOpen() { return !!document.querySelector("#board-orders details[open]"); }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "board-orders" && formOpen()) event.preventDefault();
  });
  var paused = document.getElementById("board-paused");
  document.addEventListener("toggle", function () {
    if (!paused) return;
    paused.classList.toggle("d-none", !formOpen());
  }, true);
})();
