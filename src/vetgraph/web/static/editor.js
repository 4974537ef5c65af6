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
    yasr: { prefixes: config.prefixes }  // short IRIs in the result table
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

  window.vetgraphYasgui = yasgui;
})();
