// Sets up YASGUI for this endpoint: its URL, the project's prefixes, the named queries as tabs.
// Nothing is fetched from outside: prefix autocompletion reads /sparql/prefixes.json, and the
// class/property autocompleters (which ask lov.linkeddata.es) are not enabled.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("vetgraph-config").textContent);

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
    yasr: { prefixes: {} }
  });

  // Add the named queries once (by name); tabs the analyst already has are left alone.
  var names = {};
  yasgui.persistentConfig.getTabs().forEach(function (id) {
    var tab = yasgui.getTab(id);
    if (tab) names[tab.name()] = true;
  });
  config.tabs.forEach(function (query) {
    if (names[query.name]) return;
    yasgui.addTab(false, {
      name: query.name,
      yasqe: { value: query.query },
      requestConfig: { endpoint: config.endpoint, method: "POST" }
    });
  });

  // Short IRIs in the result table, with the project's prefixes.
  fetch(config.prefixesUrl)
    .then(function (response) { return response.json(); })
    .then(function (prefixes) {
      Object.keys(yasgui._tabs).forEach(function (id) {
        var yasr = yasgui._tabs[id].getYasr && yasgui._tabs[id].getYasr();
        if (yasr) yasr.config.prefixes = prefixes;
      });
      Yasgui.Yasr.defaults.prefixes = prefixes;
    })
    .catch(function () {});

  window.vetgraphYasgui = yasgui;
})();
