// Commander board: live countdowns to each order's next deadline (red once passed), and a note
// while polling is paused because a re-dispatch form is open.
(function () {
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.due) - now) / 1000);
      var sign = left < 0 ? "-" : "";
      var s = Math.abs(left);
      el.textContent = sign + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
      el.classList.toggle("text-danger", left < 0);
      el.classList.toggle("fw-bold", left < 0);
    });
  }
  setInterval(tick, 1000);
  tick();
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "board-orders") tick();
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
