// The station's live dashboard: the live channel and a sound for a new order (the counting
// clocks are clocks.js).
(function () {
  // The live channel: each event about an order of this station refreshes the table at once.
  var table = document.getElementById("open-orders");
  if (window.EventSource) {
    var source = new EventSource(table.dataset.live);
    source.addEventListener("order", function () { htmx.trigger(table, "live"); });
    // Orders that came between the page (or the last stream) and this connection: load them now.
    source.addEventListener("open", function () { htmx.trigger(table, "live"); });
  }

  // A new order rings (Web Audio, no file to fetch) and flashes the title.
  var known = new Set(Array.from(document.querySelectorAll("[data-order-id]")).map(function (r) { return r.dataset.orderId; }));
  var soundOn = false, audio = null;
  document.getElementById("sound-toggle").addEventListener("click", function () {
    soundOn = !soundOn;
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    this.classList.toggle("active", soundOn);
  });
  function ring() {
    if (!soundOn || !audio) return;
    var osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880; osc.connect(gain); gain.connect(audio.destination);
    gain.gain.setValueAtTime(0.3, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    osc.start(); osc.stop(audio.currentTime + 0.6);
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "open-orders") return;
    var fresh = false;
    document.querySelectorAll("[data-order-id]").forEach(function (row) {
      if (!known.has(row.dataset.orderId)) { known.add(row.dataset.orderId); row.classList.add("table-warning"); fresh = true; }
    });
    window.RongzhiClocks.tick();
    if (fresh) { ring(); document.title = "● " + document.title.replace(/^● /, ""); }
  });
})();
