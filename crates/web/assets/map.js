// The staff pages' maps, drawn with the vendored Leaflet. Every <div class="map"> names its GeoJSON
// endpoint in data-geojson-url: district polygons (properties.kind "district") and points ("point",
// with the text written on the marker, a label and a colour class). No tiles unless data-tiles-url is
// set, so the map works without the internet and the browser asks no other host. Nothing inline (the
// page's CSP): colours come from classes in app.css, Leaflet positions things through the CSSOM.
// The table on the same page carries the same facts for anyone who cannot use the map.
(function () {
  'use strict';

  // Until the data arrives (and if there is none): Stockholm.
  var START = { center: [59.33, 18.06], zoom: 10 };

  function escapeHtml(text) {
    var span = document.createElement('span');
    span.textContent = text;
    return span.innerHTML;
  }

  // A point: a round marker with its text (the free beds) written on it, the label as its title, so
  // colour is never the only signal. Not in the tab order: the table is the keyboard's way.
  function marker(feature, latlng) {
    var p = feature.properties;
    var icon = L.divIcon({
      className: 'map-marker ' + p['class'],
      html: escapeHtml(p.text || ''),
      iconSize: [30, 30],
    });
    var m = L.marker(latlng, { icon: icon, keyboard: false, title: p.label });
    m.on('add', function () {
      var element = m.getElement();
      element.dataset.id = p.id;
      element.setAttribute('role', 'img');
      element.setAttribute('aria-label', p.label);
    });
    return m;
  }

  function district(feature, layer) {
    if (feature.geometry.type !== 'Point') {
      layer.bindTooltip(feature.properties.label, { sticky: true });
    }
  }

  function draw(element) {
    var data = element.dataset;
    // The page scrolls under the wheel; zoom with the buttons, a double click or + and -.
    var map = L.map(element, {
      zoomControl: false,
      attributionControl: false,
      scrollWheelZoom: false,
      zoomSnap: 0.25,
    });
    map.setView(START.center, START.zoom);
    L.control.zoom({ zoomInTitle: data.zoomIn, zoomOutTitle: data.zoomOut }).addTo(map);
    if (data.tilesUrl) {
      L.control.attribution({ prefix: false }).addTo(map);
      L.tileLayer(data.tilesUrl, { attribution: escapeHtml(data.tilesAttribution || '') }).addTo(map);
    }
    var layer = null;
    var fitted = false;
    var asked = 0;

    // Fetches the data and redraws; an answer older than the last question is dropped.
    function load() {
      var mine = ++asked;
      fetch(data.geojsonUrl, { credentials: 'same-origin', headers: { Accept: 'application/geo+json' } })
        .then(function (response) {
          if (!response.ok) throw new Error('map data: ' + response.status);
          return response.json();
        })
        .then(function (collection) {
          if (mine !== asked) return;
          if (layer) layer.remove();
          layer = L.geoJSON(collection, {
            style: { className: 'map-district' },
            pointToLayer: marker,
            onEachFeature: district,
          }).addTo(map);
          element.dataset.drawn = String(mine);
          // Fit the data once; later refreshes keep the view the person chose.
          var bounds = layer.getBounds();
          if (!fitted && bounds.isValid()) {
            map.fitBounds(bounds, { padding: [16, 16] });
            fitted = true;
          }
        })
        .catch(function () {
          element.classList.add('map-failed');
        });
    }

    load();
    // The board's table is swapped in by htmx polling: refetch the map with it.
    if (data.refreshAfter) {
      document.body.addEventListener('htmx:afterSwap', function (event) {
        if (event.target.id === data.refreshAfter) load();
      });
    }
  }

  document.querySelectorAll('div.map[data-geojson-url]').forEach(draw);
})();
