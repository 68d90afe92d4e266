/* Draws every [data-chart] element from the JSON block its attribute names (see improvement/charts.py). */
(function () {
  "use strict";

  // No mode bar: its buttons would be keyboard stops inside an element that is an image to screen
  // readers (each chart's data is given as text beside it, templates/includes/chart.html).
  var CONFIG = {
    responsive: true,
    displayModeBar: false
  };

  function draw() {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      window.Plotly.newPlot(element, spec.data, spec.layout, CONFIG);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
