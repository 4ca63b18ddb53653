// The printable agreement: the toolbar's print button.
document.getElementById("print").addEventListener("click", function () { window.print(); });
