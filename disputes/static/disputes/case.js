// The case page.
(function () {
  // A refused action: bring its form into view.
  var failed = document.querySelector("[data-failed]");
  if (failed) failed.scrollIntoView({block: "start"});
})();
