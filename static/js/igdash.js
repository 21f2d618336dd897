/* igdash page behaviour: theme switch, phone menu, the modal, charts, slider
   values and the export link. Plain script, no build step; every page works
   without it except the charts and live updates. */
(function () {
  "use strict";

  var root = document.documentElement;
  var darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var THEME_KEY = "igdash-theme";

  function storedTheme() {
    try { return localStorage.getItem(THEME_KEY) || "system"; } catch (e) { return "system"; }
  }

  function applyTheme(choice) {
    var dark = choice === "dark" || (choice === "system" && darkQuery.matches);
    root.dataset.theme = dark ? "dark" : "light";
    root.dataset.themeChoice = choice;
    document.querySelectorAll("input[name=theme]").forEach(function (input) {
      input.checked = input.value === choice;
    });
    redrawCharts();
  }

  function setupTheme() {
    document.querySelectorAll("input[name=theme]").forEach(function (input) {
      input.addEventListener("change", function () {
        try { localStorage.setItem(THEME_KEY, input.value); } catch (e) { /* private mode */ }
        applyTheme(input.value);
      });
    });
    // "System" follows the operating system live, not only at page load.
    darkQuery.addEventListener("change", function () {
      if (storedTheme() === "system") applyTheme("system");
    });
    applyTheme(storedTheme());
  }

  function setupMenu() {
    var button = document.getElementById("nav-toggle");
    var menu = document.getElementById("nav-menu");
    if (!button || !menu) return;
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.dataset.open = open ? "true" : "false";
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  /* The modal: HTMX loads a panel into #modal-body, then it opens. Closing it
     empties the panel, which also stops any progress polling inside. */
  function setupModal() {
    var dialog = document.getElementById("modal");
    var body = document.getElementById("modal-body");
    if (!dialog || !body) return;
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === body && !dialog.open) {
        dialog.showModal();
        var first = body.querySelector("[autofocus], input:not([type=hidden]), select, button");
        if (first) first.focus();
      }
    });
    dialog.addEventListener("close", function () { body.innerHTML = ""; });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();  // a click on the backdrop
    });
    document.body.addEventListener("click", function (event) {
      if (event.target.closest("[data-close-modal]")) dialog.close();
    });
  }

  /* Charts: a <canvas data-chart="ID"> reads its data from the json_script ID. */
  var charts = [];

  function palette() {
    var dark = root.dataset.theme === "dark";
    return {
      text: dark ? "#cbd5e1" : "#334155",
      grid: dark ? "rgba(148,163,184,0.18)" : "rgba(100,116,139,0.18)",
      series: dark
        ? ["#fb7185", "#60a5fa", "#34d399", "#fbbf24", "#c084fc"]
        : ["#e11d48", "#2563eb", "#059669", "#d97706", "#7c3aed"],
    };
  }

  function shortDate(value) {
    return new Date(value).toLocaleDateString(undefined, { month: "short", day: "numeric" });
  }

  function chartConfig(data, colours) {
    var animation = reducedMotion.matches ? false : { duration: 300 };
    if (data.kind === "followback") {
      return {
        type: "doughnut",
        data: {
          labels: data.labels,
          datasets: [{ data: data.values, backgroundColor: colours.series.slice(0, 3), borderWidth: 0 }],
        },
        options: {
          animation: animation, maintainAspectRatio: false,
          plugins: { legend: { position: "bottom", labels: { color: colours.text, boxWidth: 12 } } },
        },
      };
    }
    return {
      type: "line",
      data: {
        datasets: data.datasets.map(function (set, i) {
          var colour = colours.series[i % colours.series.length];
          return {
            label: set.label,
            data: set.data.map(function (p) { return { x: new Date(p.x).getTime(), y: p.y }; }),
            borderColor: colour, backgroundColor: colour, pointRadius: 2, tension: 0.2,
          };
        }),
      },
      options: {
        animation: animation, maintainAspectRatio: false, parsing: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { type: "linear", ticks: { color: colours.text, maxTicksLimit: 6, callback: shortDate },
               grid: { color: colours.grid } },
          y: { ticks: { color: colours.text, precision: 0 }, grid: { color: colours.grid } },
        },
        plugins: {
          legend: { position: "bottom", labels: { color: colours.text, boxWidth: 12 } },
          tooltip: { callbacks: { title: function (items) {
            return items.length ? new Date(items[0].parsed.x).toLocaleString() : "";
          } } },
        },
      },
    };
  }

  function drawCharts(scope) {
    if (typeof window.Chart === "undefined") return;
    (scope || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      var chart = new window.Chart(canvas, chartConfig(JSON.parse(source.textContent), palette()));
      charts.push(chart);
    });
  }

  function redrawCharts() {
    charts = charts.filter(function (chart) { return chart.canvas && chart.canvas.isConnected; });
    if (charts.length) drawCharts();
  }

  /* A range slider shows its value in the <output for=...> next to it. */
  function setupOutputs(scope) {
    (scope || document).querySelectorAll("input[type=range]").forEach(function (input) {
      var output = document.querySelector('output[for="' + input.id + '"]');
      if (!output) return;
      input.addEventListener("input", function () { output.value = input.value; });
    });
  }

  /* The export panel's link follows its list, point-in-time and format choices. */
  function setupExport(scope) {
    (scope || document).querySelectorAll("[data-export]").forEach(function (panel) {
      var link = panel.querySelector("a[data-export-link]");
      var template = panel.dataset.export;
      function update() {
        var list = panel.querySelector("[name=export_list]").value;
        var fmt = panel.querySelector("[name=export_fmt]").value;
        var at = panel.querySelector("[name=export_at]").value;
        var q = panel.dataset.q || "";
        var params = new URLSearchParams();
        if (at) params.set("at", at);
        if (q) params.set("q", q);
        var query = params.toString();
        link.href = template.replace("LIST", list).replace("FMT", fmt) + (query ? "?" + query : "");
        var excel = panel.querySelector("a[data-excel-link]");
        if (excel) excel.href = template.replace("LIST", list).replace("FMT", "excel") + (query ? "?" + query : "");
      }
      panel.addEventListener("change", update);
      update();
      setupExcel(panel);
    });
  }

  /* "Open in Excel" hands the list to desktop Excel's ms-excel: handler. A
     browser without one does nothing at all, so: no button where desktop Excel
     cannot be (only Windows and macOS have it; an iPad calls itself a Mac), and
     a click says what should happen and what to do if it does not (whether
     Excel answered cannot be seen from the page). */
  function canHaveDesktopExcel() {
    var ua = navigator.userAgent || "";
    var ipad = /Macintosh/.test(ua) && navigator.maxTouchPoints > 1;
    return /Windows NT|Macintosh/.test(ua) && !/Android|iPhone|iPad|CrOS/.test(ua) && !ipad;
  }

  function setupExcel(panel) {
    var excel = panel.querySelector("a[data-excel-link]");
    var note = panel.querySelector("[data-excel-note]");
    if (!excel) return;
    if (!canHaveDesktopExcel()) {
      excel.remove();
      return;
    }
    excel.addEventListener("click", function () {
      if (note) note.hidden = false;
    });
  }

  function init() {
    setupTheme();
    setupMenu();
    setupModal();
    drawCharts();
    setupOutputs();
    setupExport();
    if (window.htmx) {
      window.htmx.onLoad(function (element) {
        if (element === document.body) return;
        setupOutputs(element);
        setupExport(element);
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
