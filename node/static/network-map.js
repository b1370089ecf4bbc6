// The network map: one Leaflet marker per space listed below the map (its data-lat/data-lng),
// whose popup is the space's card from that list. Without this script, or when tiles cannot
// load, the list stays: the spaces by country with their addresses.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("network-map");
    if (!box || typeof L === "undefined") return;
    var entries = Array.prototype.slice.call(document.querySelectorAll(".space-entry[data-lat]"));
    box.hidden = false;
    L.Icon.Default.imagePath = box.dataset.icons;
    var map = L.map(box, { scrollWheelZoom: false });
    L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution }).addTo(map);
    var markers = entries.map(function (entry) {
      var position = [parseFloat(entry.dataset.lat), parseFloat(entry.dataset.lng)];
      var marker = L.marker(position, { title: entry.dataset.name, alt: entry.dataset.name, spaceId: entry.dataset.id });
      marker.bindPopup(entry.querySelector(".space-card").cloneNode(true));
      return marker.addTo(map);
    });
    if (markers.length) {
      map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 12 });
    } else {
      map.setView([50.5, 4.5], 6);
    }
    window.coffeeMap = { map: map, markers: markers };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
