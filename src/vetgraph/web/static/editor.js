// Sets up YASGUI for this endpoint: its URL, the project's prefixes, the named queries in a
// menu grouped by tag (each opens in a tab of its own, one at a time), and errors shown as a
// message with line, column and a caret under the offending text instead of the raw answer.
// Nothing is fetched from outside: prefix autocompletion reads /sparql/prefixes.json, and the
// class/property autocompleters (which ask lov.linkeddata.es) are not enabled.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("vetgraph-config").textContent);
  var CONTEXT_CHARS = 60;  // characters of the offending line shown either side of the column

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function parseBody(text) {
    try {
      var body = JSON.parse(text);
      return body && typeof body.message === "string" ? body : null;
    } catch (e) {
      return null;
    }
  }

  // The offending line around `column` (1-based), with the caret under its character: the
  // caret line repeats the text before it, invisible, so wide (CJK) characters keep it aligned.
  function contextBlock(line, column) {
    var at = Math.max(0, column - 1);
    var start = Math.max(0, at - CONTEXT_CHARS), end = Math.min(line.length, at + CONTEXT_CHARS);
    var before = (start > 0 ? "…" : "") + line.slice(start, at).replace(/\t/g, " ");
    var found = line.charAt(at) || " ";
    var after = line.slice(at + 1, end).replace(/\t/g, " ") + (end < line.length ? "…" : "");
    var pre = el("pre", "vg-error-context");
    var text = el("span", "vg-error-line");
    text.appendChild(document.createTextNode(before));
    text.appendChild(el("mark", "vg-error-at", found));
    text.appendChild(document.createTextNode(after));
    var caretLine = el("span", "vg-error-caret-line");
    var pad = el("span", "vg-error-pad", before);
    pad.setAttribute("aria-hidden", "true");
    caretLine.appendChild(pad);
    caretLine.appendChild(el("span", "vg-error-caret", "^"));
    pre.appendChild(text);
    pre.appendChild(document.createTextNode("\n"));
    pre.appendChild(caretLine);
    return pre;
  }

  async function renderError(error) {
    var body = parseBody(error.text || "");
    var box = el("div", "vg-error");
    box.setAttribute("role", "alert");
    var title = "查询出错 · Query error";
    if (body && body.error === "syntax-error") title = "SPARQL 语法错误 · Syntax error";
    if (body && body.line) title += " — 第 " + body.line + " 行，第 " + body.column + " 列 · line " +
      body.line + ", column " + body.column;
    box.appendChild(el("p", "vg-error-title", title));
    var message = body ? body.message : (error.text || error.statusText || "");
    box.appendChild(el("p", "vg-error-message", message));
    if (body && body.context !== undefined && body.column) {
      box.appendChild(contextBlock(body.context, body.column));
    }
    if (error.status) box.appendChild(el("p", "vg-error-status", "HTTP " + error.status));
    return box;
  }

  Yasgui.Yasr.defaults.errorRenderers = [renderError].concat(
    Yasgui.Yasr.defaults.errorRenderers || []);

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: "vetgraph:" + config.endpoint,
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: config.endpoint }];
      },
      keys: []
    },
    yasqe: {
      value: config.defaultQuery,
      autocompleters: ["prefixes", "variables"],
      prefixCcApi: config.prefixesUrl
    },
    yasr: { prefixes: config.prefixes }  // short IRIs in the result table
  });

  // The menu: choosing a named query shows its tab, opening it first if it is not open.
  var byName = {};
  config.tabs.forEach(function (query) { byName[query.name] = query; });
  var select = document.getElementById("named-query");
  config.menu.forEach(function (group) {
    var optgroup = document.createElement("optgroup");
    optgroup.label = group.tag;
    group.queries.forEach(function (name) {
      var option = el("option", "", name + " — " + byName[name].summary);
      option.value = name;
      optgroup.appendChild(option);
    });
    select.appendChild(optgroup);
  });

  function openNamed(name) {
    var query = byName[name];
    if (!query) return null;
    var found = null;
    yasgui.persistentConfig.getTabs().forEach(function (id) {
      var tab = yasgui.getTab(id);
      if (tab && tab.name() === name) found = id;
    });
    if (found === null) {
      var tab = yasgui.addTab(true, {
        name: name,
        yasqe: { value: query.query },
        requestConfig: { endpoint: config.endpoint, method: "POST" }
      });
      found = tab.getId();
    }
    yasgui.selectTabId(found);
    return found;
  }

  select.addEventListener("change", function () {
    if (select.value) openNamed(select.value);
    select.value = "";
  });

  window.vetgraphYasgui = yasgui;
  window.vetgraphOpenQuery = openNamed;
})();
