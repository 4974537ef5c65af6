// The "copy" buttons beside IRIs in result tables: the full IRI goes to the clipboard (the
// table shows labels; the IRI is also the link's title, shown on hover).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy-iri") : null;
    if (!button) return;
    var iri = button.getAttribute("data-iri");
    var done = function () {
      button.classList.add("copied");
      button.textContent = "✓";
      setTimeout(function () { button.classList.remove("copied"); button.textContent = "⧉"; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(iri).then(done, function () { fallback(iri); done(); });
    } else {
      fallback(iri); done();
    }
  });

  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", "");
    area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
  }
})();
