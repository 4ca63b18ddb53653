// An irreversible or spending step (freezing a month, redeeming points, publishing a method,
// revoking a key) asks once before it is sent: forms that carry data-confirm="<question>".
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (!window.confirm(form.dataset.confirm)) event.preventDefault();
}, true);
