/* storyline: draws the timeline (vis-timeline) and claim charts (Chart.js)
 * from JSON data blocks. Untrusted text is only ever set with textContent or
 * drawn on a canvas, never parsed as HTML. Shared by report.html and the app. */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function textElement(text) {
    var span = document.createElement("span");
    span.textContent = text.length > 90 ? text.slice(0, 89) + "\u2026" : text;
    return span;
  }

  // Links are built by storyline: same-page anchors or same-origin paths only.
  function follow(href) {
    if (typeof href === "string" && (href.charAt(0) === "#" || href.charAt(0) === "/")) {
      window.location.href = href;
    }
  }

  function drawTimeline() {
    var box = document.getElementById("timeline-chart");
    var data = readJson("timeline-data");
    if (!box || !data || !window.vis) { return; }
    if (!data.items.length) { box.style.display = "none"; return; }
    var hrefs = {};
    var items = data.items.map(function (item) {
      hrefs[item.id] = item.href;
      return {
        id: item.id, group: item.group, start: item.start, end: item.end || undefined,
        type: item.end ? "range" : "point", content: textElement(item.label),
        className: "prec-" + item.precision
      };
    });
    var groups = data.groups.map(function (group) {
      return { id: group.id, content: textElement(group.label) };
    });
    // Open on the densest period (report.densest_window), never around the machine's clock.
    var timeline = new window.vis.Timeline(box, new window.vis.DataSet(items), new window.vis.DataSet(groups), {
      stack: true, maxHeight: 460, zoomKey: "ctrlKey", orientation: "top", selectable: true, showTooltips: false,
      showCurrentTime: false, start: Date.parse(data.window.start), end: Date.parse(data.window.end)
    });
    timeline.on("select", function (props) {
      if (props.items.length) { follow(hrefs[props.items[0]]); }
    });
  }

  var PALETTE = ["#1f5f99", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#c17c74"];

  function drawChart(canvas) {
    if (canvas.dataset.drawn || !window.Chart || canvas.closest("details:not([open])")) { return; }
    var series = readJson(canvas.dataset.series);
    if (!series) { return; }
    canvas.dataset.drawn = "1";
    var stacks = series[canvas.dataset.key] || [];
    var datasets = stacks.length ? stacks : [{ label: "statements", data: series.counts }];
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.periods,
        datasets: datasets.map(function (stack, i) {
          return { label: stack.label, data: stack.data, backgroundColor: PALETTE[i % PALETTE.length] };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    });
  }

  function drawChartsIn(root) {
    Array.prototype.forEach.call(root.querySelectorAll("canvas.claim-chart"), drawChart);
  }

  // Charts inside a closed <details> have no size yet: draw them when opened.
  function wireClaims() {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (details) {
      if (details.open) { drawChartsIn(details); }
      details.addEventListener("toggle", function () { if (details.open) { drawChartsIn(details); } });
    });
    drawChartsIn(document.querySelector("main") || document.body);
  }

  // The app's "Track this claim" button (storyline serve): a JSON POST, which a cross-site form cannot send.
  function wireTracking() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-track-claim]"), function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        window.fetch("/api/tracked", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ claim: button.dataset.trackClaim })
        }).then(function (response) {
          button.textContent = response.ok ? "Tracked: watch will alert on new statements" : "Could not track";
        }).catch(function () { button.textContent = "Could not track"; button.disabled = false; });
      });
    });
  }

  // Following a link to an item inside a closed <details> opens it.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    for (var el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") { el.open = true; }
    }
  }

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", function () {
    openTarget();
    drawTimeline();
    wireClaims();
    wireTracking();
  });
}());
