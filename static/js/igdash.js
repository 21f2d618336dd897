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
    var backdrop = document.getElementById("nav-backdrop");
    if (!button || !menu) return;
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.dataset.open = open ? "true" : "false";
      if (backdrop) backdrop.hidden = !open;
    }
    // A tap beside the open menu closes it, as on every phone app.
    if (backdrop) backdrop.addEventListener("click", function () { setOpen(false); });
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

  /* Time axes are linear over timestamps (no date adapter to ship): the ticks
     are placed here on round local times (hours, days, weeks, months) picked
     for the span, and labelled with the time when several fall on one day, so
     three scrapes on Dec 3 read 09:00 / 12:00 / 15:00, not Dec 3 three times.
     Times are the browser's own zone, as everything drawn in the browser. */
  var MINUTE = 60e3, HOUR = 60 * MINUTE, DAY = 24 * HOUR;
  var STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR,
               12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY];
  var MAX_TICKS = 6;

  function tickStep(min, max) {
    for (var i = 0; i < STEPS.length; i++) {
      if ((max - min) / STEPS[i] <= MAX_TICKS) return STEPS[i];
    }
    return STEPS[STEPS.length - 1];
  }

  function timeTicks(min, max) {
    var step = tickStep(min, max);
    var ticks = [];
    if (step < DAY) {
      // Round to the step in local time (the offset shifts UTC multiples).
      var offset = new Date(min).getTimezoneOffset() * MINUTE;
      for (var t = Math.ceil((min - offset) / step) * step + offset; t <= max; t += step) ticks.push(t);
    } else {
      var d = new Date(min);
      d.setHours(0, 0, 0, 0);
      if (d.getTime() < min) d.setDate(d.getDate() + 1);
      if (step >= 30 * DAY) { d.setDate(1); if (d.getTime() < min) d.setMonth(d.getMonth() + 1); }
      while (d.getTime() <= max) {
        ticks.push(d.getTime());
        if (step >= 30 * DAY) d.setMonth(d.getMonth() + Math.round(step / (30 * DAY)));
        else d.setDate(d.getDate() + Math.round(step / DAY));
      }
    }
    return { step: step, ticks: ticks.length ? ticks : [min] };
  }

  function dayLabel(value, withYear) {
    var options = { month: "short", day: "numeric" };
    if (withYear) options.year = "numeric";
    return new Date(value).toLocaleDateString(undefined, options);
  }

  function tickLabel(value, index, ticks, step) {
    if (step >= 30 * DAY) return new Date(value).toLocaleDateString(undefined, { month: "short", year: "numeric" });
    if (step >= DAY) return dayLabel(value);
    var time = new Date(value).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    var sameDay = index > 0 && new Date(ticks[index - 1].value).toDateString() === new Date(value).toDateString();
    return sameDay ? time : [time, dayLabel(value)];
  }

  function timeAxis(datasets, colours) {
    var xs = [];
    datasets.forEach(function (set) { set.data.forEach(function (p) { xs.push(p.x); }); });
    var min = Math.min.apply(null, xs), max = Math.max.apply(null, xs);
    if (min === max) { min -= HOUR; max += HOUR; }  // one scrape: an hour either side
    var step = tickStep(min, max);
    return {
      type: "linear", min: min, max: max,  // the axis ends at the last scrape
      afterBuildTicks: function (scale) {
        scale.ticks = timeTicks(min, max).ticks.map(function (value) { return { value: value }; });
      },
      ticks: {
        color: colours.text, autoSkip: false, maxRotation: 0,
        callback: function (value, index, ticks) { return tickLabel(value, index, ticks, step); },
      },
      grid: { color: colours.grid },
    };
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
    var datasets = data.datasets.map(function (set, i) {
      var colour = colours.series[i % colours.series.length];
      return {
        label: set.label,
        data: set.data.map(function (p) { return { x: new Date(p.x).getTime(), y: p.y }; }),
        borderColor: colour, backgroundColor: colour, pointRadius: 2, tension: 0.2,
        clip: false,  // the last point sits on the axis' end: draw it whole
      };
    });
    return {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: animation, maintainAspectRatio: false, parsing: false,
        layout: { padding: { right: 4 } },
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: timeAxis(datasets, colours),
          y: { ticks: { color: colours.text, precision: 0 }, grid: { color: colours.grid } },
        },
        plugins: {
          legend: { position: "bottom", labels: { color: colours.text, boxWidth: 12 } },
          tooltip: { callbacks: { title: function (items) {
            return items.length
              ? new Date(items[0].parsed.x).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })
              : "";
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

  // The bell (notify): a <details> that closes on Escape or a tap outside it.
  function setupBell() {
    var bell = document.getElementById("bell");
    if (!bell) return;
    document.addEventListener("click", function (event) {
      if (bell.open && !bell.contains(event.target)) bell.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bell.open) {
        bell.open = false;
        bell.querySelector("summary").focus();
      }
    });
  }

  function init() {
    setupTheme();
    setupMenu();
    setupBell();
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
