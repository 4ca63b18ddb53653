// Live clocks of the station pages (dashboard, commander board): count down to each order's next
// deadline (data-due), red once it has passed. Ticks every second; pages call
// RongzhiClocks.tick() after swapping rows in, so new rows show their time at once.
window.RongzhiClocks = (function () {
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
  return { tick: tick };
})();
