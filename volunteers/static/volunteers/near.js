// "Near me" on the task list: fill the form with the phone's location, then send it. Without a
// location (refused, or no GPS) the page says so and keeps the list as it was.
(function () {
  "use strict";
  var script = document.currentScript;
  var noLocation = script ? script.getAttribute("data-no-location") : "Location needed";
  var form = document.querySelector("form[data-near]");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    if (form.dataset.located) { return; }
    event.preventDefault();
    if (!navigator.geolocation) { alert(noLocation); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lng.value = pos.coords.longitude.toFixed(6);
      form.elements.lat.value = pos.coords.latitude.toFixed(6);
      form.dataset.located = "1";
      form.submit();
    }, function () { alert(noLocation); }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
})();
