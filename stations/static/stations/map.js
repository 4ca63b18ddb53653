// Station map: the villages the station covers and its open orders, from the station's GeoJSON.
// No tiles unless the platform serves its own (MAP_TILE_URL): police networks have no internet.
(function () {
  var box = document.getElementById("station-map");
  if (!box || !window.L) return;
  var map = L.map(box, { maxZoom: 18, minZoom: 3, zoomSnap: 0.25 });
  // A plain text credit: the default prefix carries an inline flag image we do not want on police screens.
  map.attributionControl.setPrefix("Leaflet");
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution || "" }).addTo(map);
  }
  map.setView([30, 120], 5);

  // Text from the data goes in with textContent only: summaries are typed in by callers.
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function orderPopup(p) {
    var div = el("div");
    var link = el("a", p.summary);
    link.href = p.url;
    div.appendChild(link);
    div.appendChild(el("div", "P" + p.priority + " · " + p.status + " · " + p.village, "small text-muted"));
    return div;
  }

  fetch(box.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      var villages = data.features.filter(function (f) { return f.properties.kind === "village"; });
      var orders = data.features.filter(function (f) { return f.properties.kind === "order"; });
      var villageLayer = L.geoJSON(villages, {
        style: { color: "#0d6efd", weight: 2, fillColor: "#0d6efd", fillOpacity: 0.08 },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.township + " " + f.properties.name, { sticky: true });
        },
      }).addTo(map);
      var orderLayer = L.geoJSON(orders.filter(function (f) { return f.geometry; }), {
        pointToLayer: function (f, latlng) {
          var colour = f.properties.priority <= 2 ? "#dc3545" : "#6c757d";
          var exact = f.properties.located === "point";
          return L.circleMarker(latlng, {
            radius: 9, color: colour, weight: 3, fillColor: colour, fillOpacity: exact ? 0.8 : 0.1,
          });
        },
        onEachFeature: function (f, layer) { layer.bindPopup(orderPopup(f.properties)); },
      }).addTo(map);
      var bounds = villageLayer.getBounds();
      if (!bounds.isValid()) bounds = orderLayer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
      box.dataset.loaded = String(villages.length) + "/" + String(orders.length);

      var list = document.getElementById("map-orders");
      if (!orders.length) list.appendChild(el("li", list.dataset.empty, "text-muted"));
      orders.forEach(function (f) {
        var item = el("li", "", "py-1 border-bottom");
        item.dataset.orderId = f.properties.id;
        item.appendChild(orderPopup(f.properties));
        list.appendChild(item);
      });
    })
    .catch(function () {
      box.parentNode.insertBefore(el("div", box.dataset.error, "alert alert-danger"), box);
    });
})();
