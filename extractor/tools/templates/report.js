(function () {
  "use strict";
  var table = document.getElementById("events");
  if (!table) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var box = document.getElementById("filter");
  var shown = document.getElementById("shown");
  var hidden = {};
  var doubtOnly = document.getElementById("doubt-only");
  function norm(s) {
    return (s || "").toLowerCase().replace(/[\u064B-\u0652\u0640]/g, "")
      .replace(/[\u0623\u0625\u0622]/g, "\u0627").replace(/\u0649/g, "\u064A")
      .replace(/\u0629/g, "\u0647");
  }
  rows.forEach(function (r) { r._text = norm(r.textContent + " " + r.dataset.search); });
  function apply() {
    var words = norm(box.value).split(/\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (r) {
      var ok = !hidden[r.dataset.type] && words.every(function (w) {
        return r._text.indexOf(w) >= 0;
      }) && !(doubtOnly && doubtOnly.getAttribute("aria-pressed") === "true" &&
              !r.hasAttribute("data-doubt"));
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n;
  }
  box.addEventListener("input", apply);
  if (doubtOnly) {
    doubtOnly.addEventListener("click", function () {
      var on = doubtOnly.getAttribute("aria-pressed") !== "true";
      doubtOnly.setAttribute("aria-pressed", on ? "true" : "false");
      apply();
    });
  }
  document.querySelectorAll(".toggle[data-type]").forEach(function (b) {
    b.addEventListener("click", function () {
      var on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      hidden[b.dataset.type] = !on;
      document.body.classList.toggle("hide-" + b.dataset.type, !on);
      apply();
    });
  });
  var ths = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths, function (th, col) {
    th.tabIndex = 0;
    function sort() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(ths, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var numeric = th.dataset.kind === "num";
      function key(r) {
        var c = r.cells[col];
        var v = c.hasAttribute("data-sort") ? c.dataset.sort : c.textContent.trim();
        if (numeric) { var f = parseFloat(v); return isNaN(f) ? null : f; }
        return v === "" ? null : v;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null && y === null) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        var d = numeric ? x - y : String(x).localeCompare(String(y));
        return asc ? d : -d;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
  function flash(id) {
    var el = document.getElementById(id);
    if (!el) return;
    if (el.tagName === "TR" && el.hidden) { box.value = ""; apply(); }
    el.classList.add("flash");
    setTimeout(function () { el.classList.remove("flash"); }, 1600);
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest("a.evref");
    if (a) { flash(a.getAttribute("href").slice(1)); return; }
    var m = e.target.closest("mark[data-event]");
    if (m) {
      var id = "row-" + m.dataset.event;
      flash(id);
      location.hash = id;
    }
  });
  apply();
})();
