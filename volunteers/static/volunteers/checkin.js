// Check-in and check-out with the phone's location. Without a network the check-in is kept on
// the phone (localStorage) with the time it was made, and sent to the API when the network
// returns; the server keeps that original time (client_at). The sending goes through the service
// worker (/volunteers/sw.js): if the network drops again on the way, the worker keeps the request
// in IndexedDB and sends it on the next flush, so nothing made offline is lost.
(function () {
  "use strict";
  var QUEUE = "rongzhi-volunteer-queue";
  var script = document.currentScript;
  var noLocation = script ? script.getAttribute("data-no-location") : "Location needed";
  var worker = script ? script.getAttribute("data-worker") : "";
  var sw = "serviceWorker" in navigator ? navigator.serviceWorker : null;

  if (sw && worker) {
    sw.register(worker, { scope: worker.replace(/sw\.js$/, "") }).catch(function () { sw = null; });
    sw.addEventListener("message", function (event) {
      if (event.data && event.data.type === "queued") { showQueued(true); }
      // Something the worker kept went out (or this page shows a check-in queued that is no
      // longer on the phone's own list): the page is stale. The worker may have kept the request after this page asked it to flush,
      // so a later flush can be the one that sends it.
      if (event.data && event.data.type === "flushed" &&
          (event.data.sent > 0 ||
           (!queue().length && document.querySelector("[data-testid=queued]:not(.d-none)")))) {
        window.location.reload();
      }
    });
  }
  function flushWorker() {
    if (sw && sw.controller) { sw.controller.postMessage({ type: "flush" }); }
  }


  function queue() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); }
  function token() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function showQueued(on) {
    var box = document.querySelector("[data-testid=queued]");
    if (box) { box.classList.toggle("d-none", !on); }
  }

  function flush() {
    var items = queue();
    if (!items.length || !navigator.onLine) { showQueued(items.length > 0); return; }
    var item = items[0];
    fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify({ lng: item.lng, lat: item.lat, client_at: item.client_at })
    }).then(function (response) {
      // Sent (or refused for good): either way it leaves the queue; a refusal is shown on reload.
      if (response.status === 202) {
        // The network dropped again on the way: the service worker keeps it and sends it later.
        save(queue().slice(1));
        showQueued(true);
        if (queue().length) { flush(); }
        return;
      }
      if (response.status < 500) {
        save(queue().slice(1));
        if (queue().length) { flush(); } else { window.location.reload(); }
      }
    }).catch(function () { showQueued(true); });
  }

  document.querySelectorAll("form[data-locate]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located) { return; }
      event.preventDefault();
      var button = form.querySelector("button");
      if (button) { button.disabled = true; }
      if (!navigator.geolocation) { alert(noLocation); if (button) { button.disabled = false; } return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        var at = new Date().toISOString();
        form.elements.lng.value = pos.coords.longitude;
        form.elements.lat.value = pos.coords.latitude;
        form.elements.client_at.value = at;
        if (!navigator.onLine) {
          var items = queue();
          items.push({ url: form.dataset.api, lng: pos.coords.longitude, lat: pos.coords.latitude, client_at: at });
          save(items);
          showQueued(true);
          return;
        }
        form.dataset.located = "1";
        form.submit();
      }, function () {
        alert(noLocation);
        if (button) { button.disabled = false; }
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
  });

  window.addEventListener("online", function () { flush(); flushWorker(); });
  flush();
  if (sw) { sw.ready.then(flushWorker); }
})();
