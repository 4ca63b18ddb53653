// The grid worker's report form: one key per report, and the phone's location.
(function () {
  var form = document.getElementById("grid-report");
  var key = document.getElementById("request_key");
  var send = document.getElementById("send");
  // The page comes with its key: a second tap on a slow network sends the same key, and the
  // server keeps one alert. A page restored with the back button is a new report: a new key.
  function newKey() {
    key.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  window.addEventListener("pageshow", function (event) {
    if (!key.value || event.persisted) newKey();
    send.disabled = false;
  });
  form.addEventListener("submit", function () {
    // Keep the button usable for a retry, but show that the report is on its way.
    send.classList.add("disabled");
    setTimeout(function () { send.classList.remove("disabled"); }, 5000);
  });

  if (!("geolocation" in navigator)) return;
  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  locate.hidden = false;
  locate.addEventListener("click", function () {
    status.textContent = status.dataset.finding;
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_lng").value = pos.coords.longitude.toFixed(6);
      document.getElementById("id_lat").value = pos.coords.latitude.toFixed(6);
      status.textContent = status.dataset.added + " (±" + Math.round(pos.coords.accuracy) + " m)";
    }, function () {
      status.textContent = status.dataset.unavailable;
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
})();
