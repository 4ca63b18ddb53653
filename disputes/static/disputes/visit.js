// A screening visit: one key per page load, so that a double tap or a resend records one visit.
(function () {
  document.getElementById("idempotency_key").value = (self.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
})();
