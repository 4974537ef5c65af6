/* vetgraph graph explorer: one view of the store drawn with Cytoscape.js.
 *
 * Served at /network (views fetched from /network/{view}/cytoscape.json) or inlined in a
 * standalone HTML file (window.VETGRAPH_VIEW), with the same controls: filter by type,
 * cluster or school neighbourhood, search by label, size by metric, path between two nodes,
 * zh/en labels, PNG export. window.vetgraphExplorer exposes the state for tests and scripts.
 */
(function () {
  "use strict";

  var TEXT = {
    zh: {
      view: "视图", language: "语言", search: "搜索", types: "节点类型（图例）", cluster: "产业集群",
      school: "学校", all: "全部", depth: "邻域深度", size: "节点大小", layout: "布局",
      "layout-preset": "与图片一致", "layout-cose": "力导向", "layout-concentric": "按大小同心圆",
      path: "两点之间的路径", "find-path": "查找路径", clear: "清除", "export-png": "导出 PNG",
      neighbours: "相邻节点", nodes: "个节点", edges: "条边", from: "起点", to: "终点",
      "no-path": "在当前显示的图中两点不相连。", steps: "步", page: "实体页面",
      weight: "权重", degree: "度", degree_centrality: "度中心性", betweenness: "介数中心性",
      community: "社区", component: "连通分量", students: "在校生数", iri: "IRI",
      gaps: "产业缺口（按层级汇总）", matrix: "产业 × 学校矩阵",
      "gaps-help": "点击产业，在图中聚焦；计数为 原文·经下位产业·目录提示 的专业数",
      majors: "专业",
      graph: "图谱", close: "关闭"
    },
    en: {
      view: "View", language: "Language", search: "Search", types: "Node types (legend)",
      cluster: "Cluster", school: "School", all: "All", depth: "Depth", size: "Node size",
      layout: "Layout", "layout-preset": "As in the picture", "layout-cose": "Force-directed",
      "layout-concentric": "Concentric by size", path: "Path between two nodes",
      "find-path": "Find path", clear: "Clear", "export-png": "Export PNG",
      neighbours: "Neighbours", nodes: "nodes", edges: "edges", from: "From", to: "To",
      "no-path": "The two nodes are not connected in the graph as shown.", steps: "steps",
      page: "Entity page", weight: "Weight", degree: "Degree",
      degree_centrality: "Degree centrality", betweenness: "Betweenness", community: "Community",
      component: "Component", students: "In-school students", iri: "IRI",
      gaps: "Industry gaps (rolled up the hierarchy)", matrix: "Cluster × school matrix",
      "gaps-help": "Click a cluster to focus it in the graph; the counts are majors stated · " +
        "through narrower clusters · suggested by the catalogue",
      majors: "Majors",
      graph: "Graph", close: "Close"
    }
  };
  var DETAIL_METRICS = ["weight", "students", "degree", "degree_centrality", "betweenness",
                        "community", "component"];
  var SHAPES = { "o": "ellipse", "s": "rectangle", "D": "diamond", "h": "hexagon",
                 "^": "triangle", "v": "vee", "p": "pentagon", "*": "star", "8": "octagon",
                 ".": "ellipse" };

  // The page's settings, as JSON data (no inline script: the Content-Security-Policy forbids it).
  var configElement = document.getElementById("vetgraph-graph-config");
  var config = window.VETGRAPH_CONFIG ||
    (configElement ? JSON.parse(configElement.textContent) : {});
  var state = {
    cy: null, payload: null, lang: config.lang || "zh", hiddenTypes: {}, focus: null,
    search: "", ready: false, selected: null, path: null
  };
  window.vetgraphExplorer = state;

  function $(id) { return document.getElementById(id); }
  function t(key) { return (TEXT[state.lang] || TEXT.zh)[key] || key; }
  function label(data) { return state.lang === "en" ? (data.label_en || data.label_zh) : (data.label_zh || data.label_en); }
  function typeLabel(data) { return state.lang === "en" ? data.type_en : data.type_zh; }
  function option(value, text) { var o = document.createElement("option"); o.value = value; o.textContent = text; return o; }

  function translate() {
    document.querySelectorAll("#gx [data-t]").forEach(function (el) { el.textContent = t(el.getAttribute("data-t")); });
    document.querySelectorAll("#gx [data-t-label]").forEach(function (el) { el.setAttribute("aria-label", t(el.getAttribute("data-t-label"))); });
    $("gx-lang-zh").setAttribute("aria-pressed", String(state.lang === "zh"));
    $("gx-lang-en").setAttribute("aria-pressed", String(state.lang === "en"));
    document.documentElement.lang = state.lang === "zh" ? "zh-Hans" : "en";
  }

  /* Over CROWDED nodes, statement-like nodes (offerings, agreements ...) show their label only
   * when selected, matched or on a path, and labels too small to read are not drawn. */
  var CROWDED = 100;
  var STATEMENTS = ["MajorOffering", "CooperationAgreement", "ArticulationPathway", "Designation",
                    "Person", "CareerStage", "SchoolActivity", "Patent"];

  function crowdedStyle(count) {
    if (count <= CROWDED) { return []; }
    var quiet = STATEMENTS.map(function (t) { return 'node[type = "' + t + '"]'; }).join(", ");
    return [
      { selector: "node", style: { "min-zoomed-font-size": 7 } },
      { selector: quiet, style: { "label": "" } },
      { selector: "node:selected, node.match, node.on-path", style: { "label": "data(display)" } }
    ];
  }

  function style() {
    return [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(display)", "font-size": 11,
        "font-family": "Noto Sans CJK SC, Noto Sans, sans-serif", "color": "#1d2530",
        "text-valign": "center", "text-halign": "right", "text-margin-x": 4,
        "text-background-color": "#ffffff", "text-background-opacity": 0.7,
        "text-background-padding": 1, "width": "data(size)", "height": "data(size)",
        "shape": "data(shape)", "border-width": 1, "border-color": "#ffffff" } },
      { selector: "edge", style: {
        "width": "data(width)", "line-color": "#a9b1ba", "opacity": 0.75, "curve-style": "straight" } },
      { selector: ".faded", style: { "opacity": 0.12 } },
      { selector: ".match", style: { "border-width": 4, "border-color": "#d62728" } },
      { selector: "node.on-path", style: { "border-width": 4, "border-color": "#d62728", "opacity": 1 } },
      { selector: "edge.on-path", style: { "line-color": "#d62728", "width": 4, "opacity": 1 } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#111111" } }
    ];
  }

  /* Area tracks the metric, relative to the largest node of the same type (enrolment and
   * counts of ties are not comparable across types). */
  function sizeBy(metric) {
    var top = {};
    state.cy.nodes().forEach(function (n) {
      var v = Math.max(0, Number(n.data(metric)) || 0), k = n.data("type");
      top[k] = Math.max(top[k] || 0, v);
    });
    var count = state.cy.nodes().length;
    var range = state.payload.layered ? [10, 22] : count > CROWDED ? [8, 22] : [12, 34];
    state.cy.batch(function () {
      state.cy.nodes().forEach(function (n) {
        var v = Math.max(0, Number(n.data(metric)) || 0), max = top[n.data("type")] || 1;
        n.data("size", range[0] + range[1] * Math.sqrt(v / max));
      });
    });
  }

  function relabel() {
    state.cy.batch(function () { state.cy.nodes().forEach(function (n) { n.data("display", label(n.data())); }); });
    fillSelects();
    buildLegend();
    var p = state.payload;
    var title = p.titles ? p.titles[state.lang] : p.title;
    $("gx-title").textContent = title;
    document.title = title + " · vetgraph";
    updateCounts();
    if (state.selected) { showDetails(state.selected); }
    if (state.path) { describePath(); }
    viewNames();
    translate();
  }

  /* The view menu in the current language (its value, the view's name, stays). */
  function viewNames() {
    var select = $("gx-view"), keep = select.value;
    select.innerHTML = "";
    (config.views || []).forEach(function (v) { select.appendChild(option(v.name, state.lang === "en" ? v.title_en : v.title_zh)); });
    if (keep) { select.value = keep; }
  }

  function updateCounts() {
    var nodes = state.cy.nodes(":visible").length, edges = state.cy.edges(":visible").length;
    $("gx-counts").textContent = nodes + " " + t("nodes") + " · " + edges + " " + t("edges");
  }

  function buildLegend() {
    var box = $("gx-legend");
    box.innerHTML = "";
    state.payload.legend.forEach(function (entry) {
      var row = document.createElement("label");
      row.className = "gx-legend-item";
      var box2 = document.createElement("input");
      box2.type = "checkbox"; box2.checked = !state.hiddenTypes[entry.type]; box2.value = entry.type;
      box2.addEventListener("change", function () { state.hiddenTypes[entry.type] = !box2.checked; applyFilters(); });
      var swatch = document.createElement("span");
      swatch.className = "gx-swatch"; swatch.style.background = entry.colour;
      var count = state.cy.nodes().filter(function (n) { return n.data("type") === entry.type; }).length;
      var name = document.createElement("span");
      name.textContent = (state.lang === "en" ? entry.label_en : entry.label_zh) + " (" + count + ")";
      row.appendChild(box2); row.appendChild(swatch); row.appendChild(name);
      box.appendChild(row);
    });
  }

  function sortedNodes(filter) {
    return state.cy.nodes().filter(filter).sort(function (a, b) { return label(a.data()).localeCompare(label(b.data()), state.lang); });
  }

  function fillSelect(select, nodes, blank) {
    var keep = select.value;
    select.innerHTML = "";
    if (blank !== null) { select.appendChild(option("", blank)); }
    nodes.forEach(function (n) { select.appendChild(option(n.id(), label(n.data()))); });
    select.value = keep;
  }

  function fillSelects() {
    fillSelect($("gx-cluster"), sortedNodes(function (n) { return n.data("type") === "IndustryCluster"; }), t("all"));
    fillSelect($("gx-school"), sortedNodes(function (n) { return n.data("type") === "School"; }), t("all"));
    var everyone = sortedNodes(function () { return true; });
    fillSelect($("gx-from"), everyone, t("from"));
    fillSelect($("gx-to"), everyone, t("to"));
    var size = $("gx-size"), keep = size.value || "weight";
    size.innerHTML = "";
    state.payload.metrics.forEach(function (m) { size.appendChild(option(m, t(m))); });
    size.value = keep;
  }

  /* Visible = type not hidden, and within `depth` hops of the chosen cluster/school. */
  function applyFilters() {
    var cy = state.cy;
    var focusIds = [$("gx-cluster").value, $("gx-school").value].filter(Boolean);
    var depth = Math.max(1, parseInt($("gx-depth").value, 10) || 2);
    var allowed = cy.nodes().filter(function (n) { return !state.hiddenTypes[n.data("type")]; });
    var keep = allowed;
    focusIds.forEach(function (id) {
      var root = cy.getElementById(id);
      if (root.empty()) { return; }
      var reach = root, frontier = root;
      for (var i = 0; i < depth; i++) {
        frontier = frontier.neighborhood().nodes().intersection(allowed).difference(reach);
        reach = reach.union(frontier);
      }
      keep = keep.intersection(reach);
    });
    cy.batch(function () {
      cy.nodes().forEach(function (n) { n.style("display", keep.has(n) ? "element" : "none"); });
    });
    updateCounts();
  }

  function applySearch() {
    var q = $("gx-search").value.trim().toLowerCase();
    var cy = state.cy;
    cy.elements().removeClass("faded match");
    if (!q) { return cy.collection(); }
    var hits = cy.nodes().filter(function (n) {
      var d = n.data();
      return [d.label_zh, d.label_en, d.alt_labels, d.iri].some(function (s) { return s && String(s).toLowerCase().indexOf(q) >= 0; });
    });
    cy.elements().not(hits).addClass("faded");
    hits.addClass("match");
    return hits;
  }

  function metricValue(d, m) {
    var v = d[m];
    if (v === undefined || v === null || v === "") { return null; }
    return typeof v === "number" && !Number.isInteger(v) ? v.toFixed(4) : String(v);
  }

  function entityHref(iri) {
    var base = config.base || "";
    if (config.entityPrefix !== undefined && base && iri.indexOf(base) === 0) {
      return config.entityPrefix + iri.slice(base.length);
    }
    return iri;
  }

  function showDetails(node) {
    var d = node.data();
    state.selected = node;
    $("gx-details").hidden = false;
    $("gx-d-label").textContent = label(d);
    $("gx-d-other").textContent = state.lang === "en" ? d.label_zh : d.label_en;
    var badge = $("gx-d-type");
    badge.textContent = typeLabel(d); badge.style.background = d.colour;
    var dl = $("gx-d-metrics");
    dl.innerHTML = "";
    DETAIL_METRICS.forEach(function (m) {
      var v = metricValue(d, m);
      if (v === null) { return; }
      var dt = document.createElement("dt"); dt.textContent = t(m);
      var dd = document.createElement("dd"); dd.textContent = v; dd.setAttribute("data-metric", m);
      dl.appendChild(dt); dl.appendChild(dd);
    });
    var link = $("gx-d-link");
    link.href = entityHref(d.iri);
    link.textContent = t("page") + ": " + d.iri;
    var list = $("gx-d-neighbours");
    list.innerHTML = "";
    node.connectedEdges().forEach(function (e) {
      var other = e.source().same(node) ? e.target() : e.source();
      var li = document.createElement("li");
      var rel = state.lang === "en" ? (e.data("kind_en") || e.data("relation_en")) : (e.data("kind_zh") || e.data("relation_zh"));
      li.textContent = label(other.data()) + " — " + rel + (e.data("count") > 1 ? " ×" + e.data("count") : "");
      list.appendChild(li);
    });
  }

  function findPath() {
    var cy = state.cy;
    clearPath();
    var from = cy.getElementById($("gx-from").value), to = cy.getElementById($("gx-to").value);
    if (from.empty() || to.empty()) { return; }
    var visible = cy.elements(":visible");
    var found = visible.aStar({ root: from, goal: to, directed: false });
    if (!found.found) { $("gx-path-result").textContent = t("no-path"); return; }
    state.path = found.path;
    cy.elements().addClass("faded");
    found.path.removeClass("faded").addClass("on-path");
    state.pathLength = found.distance;
    describePath();
  }

  function describePath() {
    var names = state.path.nodes().map(function (n) { return label(n.data()); });
    $("gx-path-result").textContent = state.pathLength + " " + t("steps") + ": " + names.join(" → ");
  }

  function clearPath() {
    state.path = null;
    state.cy.elements().removeClass("on-path faded");
    $("gx-path-result").textContent = "";
  }

  function exportPng() {
    var blob = state.cy.png({ full: true, scale: 2, bg: "#ffffff", output: "blob" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = (state.payload.view || "graph") + "-" + state.lang + ".png";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
  }

  function runLayout(name) {
    var options = name === "preset" ? { name: "preset", fit: true, padding: 30 }
      : name === "concentric" ? { name: "concentric", concentric: function (n) { return n.data("size"); }, levelWidth: function () { return 8; }, animate: false }
      : { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 8000; } };
    state.cy.elements(":visible").layout(options).run();
  }

  function downloads() {
    var box = $("gx-downloads");
    if (!box || !config.viewUrl) { return; }
    box.innerHTML = "";
    ["png", "svg", "graphml", "gexf", "json"].forEach(function (fmt) {
      var a = document.createElement("a");
      a.href = config.viewUrl.replace("{view}", state.payload.view) + "." + fmt + "?lang=" + state.lang;
      a.textContent = fmt.toUpperCase(); box.appendChild(a);
    });
  }

  function show(payload) {
    state.payload = payload;
    state.ready = false;
    state.selected = null;
    state.path = null;
    $("gx-details").hidden = true;
    $("gx-path-result").textContent = "";
    var nodes = payload.elements.nodes.map(function (n) {
      var d = n.data;
      var entry = payload.legend.filter(function (l) { return l.type === d.type; })[0];
      d.shape = SHAPES[entry ? entry.shape : "o"] || "ellipse";
      d.display = label(d);
      d.size = 20;
      return { data: d, position: n.position };
    });
    var top = Math.max.apply(null, payload.elements.edges.map(function (e) { return e.data.weight || 1; }).concat([1]));
    var edges = payload.elements.edges.map(function (e) {
      e.data.width = 1 + 4 * ((e.data.weight || 1) - 1) / Math.max(1, top - 1);
      return e;
    });
    if (state.cy) { state.cy.destroy(); }
    state.cy = cytoscape({
      container: $("gx-cy"), elements: { nodes: nodes, edges: edges },
      style: style().concat(crowdedStyle(nodes.length)),
      layout: { name: "preset", fit: true, padding: 30 }, minZoom: 0.05, maxZoom: 6
    });
    state.cy.on("tap", "node", function (evt) { showDetails(evt.target); });
    sizeBy($("gx-size").value || "weight");
    relabel();
    applyFilters();
    downloads();
    state.ready = true;
  }

  function load(view) {
    state.ready = false;
    return fetch(config.elementsUrl.replace("{view}", view) + "?lang=" + state.lang)
      .then(function (r) { if (!r.ok) { throw new Error(r.status + " " + r.statusText); } return r.json(); })
      .then(function (payload) {
        $("gx-cluster").value = ""; $("gx-school").value = "";
        show(payload);
        if (window.history && config.pageUrl) {
          history.replaceState(null, "", config.pageUrl + "?view=" + encodeURIComponent(view) + "&lang=" + state.lang);
        }
      });
  }

  function focusCluster(iri) {
    var select = $("gx-cluster");
    if (!state.cy || !state.cy.getElementById(iri).length) { return; }
    select.value = iri;
    applyFilters();
  }

  function loadGaps() {
    if (!config.gapsUrl) { return Promise.resolve(); }
    var box = $("gx-matrix");
    box.innerHTML = "";
    ["png", "svg", "csv"].forEach(function (fmt) {
      var a = document.createElement("a");
      a.href = config.matrixUrl.replace("{fmt}", fmt) + "?lang=" + state.lang;
      a.textContent = fmt.toUpperCase(); box.appendChild(a);
    });
    return fetch(config.gapsUrl + "?lang=" + state.lang)
      .then(function (r) { if (!r.ok) { throw new Error(r.status + " " + r.statusText); } return r.json(); })
      .then(function (report) {
        state.gaps = report;
        var list = $("gx-gaps");
        list.innerHTML = "";
        report.clusters.forEach(function (c) {
          var li = document.createElement("li");
          li.className = "gx-level-" + Math.min(c.level, 2);
          li.setAttribute("data-iri", c.iri);
          li.setAttribute("data-gap", c.gap);
          var n = c.counts;
          li.textContent = c.label + (c.category ? " [" + c.category + "]" : "") + " — " +
            n.report.majors + "·" + n.hierarchy.majors + "·" + n.catalogue.majors + " " + t("majors");
          var why = document.createElement("span");
          why.className = "gx-reason";
          why.textContent = c.reason[state.lang] || c.reason.zh;
          li.appendChild(why);
          li.addEventListener("click", function () { focusCluster(c.iri); });
          list.appendChild(li);
        });
      });
  }

  function setLang(lang) {
    state.lang = lang;
    loadGaps().catch(function () {});
    if (state.cy) { relabel(); downloads(); }
    if (window.history && config.pageUrl && state.payload) {
      history.replaceState(null, "", config.pageUrl + "?view=" + encodeURIComponent(state.payload.view) + "&lang=" + lang);
    }
  }

  function wire() {
    $("gx-lang-zh").addEventListener("click", function () { setLang("zh"); });
    $("gx-lang-en").addEventListener("click", function () { setLang("en"); });
    $("gx-cluster").addEventListener("change", applyFilters);
    $("gx-school").addEventListener("change", applyFilters);
    $("gx-depth").addEventListener("change", applyFilters);
    $("gx-size").addEventListener("change", function () { sizeBy(this.value); });
    $("gx-layout").addEventListener("change", function () { runLayout(this.value); });
    $("gx-search").addEventListener("input", applySearch);
    $("gx-search").addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      var hits = applySearch();
      if (hits.length) { state.cy.animate({ center: { eles: hits[0] }, zoom: 1.5 }, { duration: 200 }); showDetails(hits[0]); }
    });
    $("gx-path-go").addEventListener("click", findPath);
    $("gx-path-clear").addEventListener("click", clearPath);
    $("gx-png").addEventListener("click", exportPng);
    $("gx-details-close").addEventListener("click", function () { $("gx-details").hidden = true; state.selected = null; });
    viewNames();
    $("gx-view").addEventListener("change", function () { load(this.value); });
  }

  state.exportPng = exportPng;
  state.findPath = findPath;
  state.setLang = setLang;
  state.load = load;
  state.loadGaps = loadGaps;
  state.focusCluster = focusCluster;

  document.addEventListener("DOMContentLoaded", function () {
    wire();
    translate();
    if (window.VETGRAPH_VIEW) { show(window.VETGRAPH_VIEW); return; }
    $("gx-view").value = config.view;
    load(config.view).catch(function (err) { $("gx-counts").textContent = String(err); });
    loadGaps().catch(function (err) { $("gx-gaps").textContent = String(err); });
  });
})();
