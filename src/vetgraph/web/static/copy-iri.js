// Result tables: the "copy" buttons beside IRIs put the full IRI on the clipboard (the table
// shows labels; the IRI is also the link's title, shown on hover), and the zh/en buttons switch
// the labels' language (remembered in this browser).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy-iri") : null;
    if (!button) return;
    var iri = button.getAttribute("data-iri");
    var done = function () {
      button.classList.add("copied");
      setTimeout(function () { button.classList.remove("copied"); }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(iri).then(done, function () { fallback(iri); done(); });
    } else {
      fallback(iri); done();
    }
  });

  var KEY = "vetgraph:label-lang";
  function showLabels(lang) {
    document.querySelectorAll("table.results").forEach(function (table) {
      table.classList.remove("labels-zh", "labels-en");
      table.classList.add("labels-" + lang);
    });
    document.querySelectorAll("#label-langs button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === lang));
    });
  }
  document.querySelectorAll("#label-langs button").forEach(function (b) {
    b.addEventListener("click", function () {
      var lang = b.getAttribute("data-lang");
      showLabels(lang);
      try { localStorage.setItem(KEY, lang); } catch (e) { /* private mode: not remembered */ }
    });
  });
  try {
    var kept = localStorage.getItem(KEY);
    if (kept === "zh" || kept === "en") showLabels(kept);
  } catch (e) { /* no storage */ }

  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", "");
    area.style.position = "fixed"; area.style.opacity = "0";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
  }
})();
