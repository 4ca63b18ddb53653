// A grid worker's dispute form on the phone.
(function () {
  // Show that the case is on its way; a second tap sends the same one-time token, and the
  // server keeps one case.
  var send = document.getElementById("send");
  document.getElementById("grid-register").addEventListener("submit", function () {
    send.classList.add("disabled");
    setTimeout(function () { send.classList.remove("disabled"); }, 5000);
  });
})();
