/* gapfinder HTML report: treemap, sortable and filterable table, module detail, history chart.
   Plain browser JavaScript, no libraries, no network. Data: the JSON in #gapfinder-data
   (module fields by position, named in data.fields; see gapfinder/reports/html.py). */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gapfinder-data").textContent);
  var F = {};
  data.fields.forEach(function (name, i) { F[name] = i; });
  var mods = data.modules;
  var PAGE = 200;
  var MAX_CELLS = 2500;

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "cls") node.className = attrs[k];
        else if (k === "style") node.style.cssText = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function pct(v) { return v === null || v === undefined ? "\u2014" : Math.round(v) + "%"; }
  function colour(coverage) {
    if (coverage === null || coverage === undefined) return "#b3261e";
    var hue = Math.max(0, Math.min(120, coverage * 1.2));
    return "hsl(" + hue + "," + (hue > 90 ? 55 : 70) + "%," + (hue > 90 ? 42 : 50) + "%)";
  }
  function ranges(text) { return text.split(",").join(", "); }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many || one + "s"); }
  function lineSet(text) {  // "3-5,9" -> {3: true, 4: true, 5: true, 9: true}
    var set = {};
    if (text) text.split(",").forEach(function (part) {
      var ab = part.split("-"), a = +ab[0], b = ab.length > 1 ? +ab[1] : a;
      for (var n = a; n <= b; n++) set[n] = true;
    });
    return set;
  }
  function dotted(name) {  // a dotted name that may wrap after each dot, never inside a word
    var span = el("span", { cls: "mono" });
    name.split(".").forEach(function (part, i, all) {
      span.appendChild(document.createTextNode(part + (i < all.length - 1 ? "." : "")));
      if (i < all.length - 1) span.appendChild(document.createElement("wbr"));
    });
    return span;
  }
  var byName = {};
  mods.forEach(function (m, i) { byName[m[F.name]] = i; });

  /* ---- summary ------------------------------------------------------------------------- */
  var s = data.summary;
  // The cards count the modules the table lists (one source of truth): those with statements.
  var counts = { unmeasured: 0, untested: 0 };
  mods.forEach(function (m) {
    if (m[F.coverage] === null) counts.unmeasured++;
    if (!m[F.tests].length && m[F.statements] === m[F.missed]) counts.untested++;
  });
  var empty = Math.max(0, s.modules - mods.length);
  document.getElementById("version").textContent = data.version;
  document.getElementById("subtitle").textContent =
    (data.diff ? "Pull-request mode: changes since " + data.diff + ". " : "") +
    (s.coverage_source ? "Coverage data: " + s.coverage_source + ". " : "No coverage data: every module counts as unmeasured. ") +
    "Git: " + s.git + (s.git === "used" || s.git === "shallow" ? " (" + plural(s.git_commits, "commit") + ", " +
      plural(s.git_fixes, "fix", "fixes") + " in the last " + s.since + ")" : "") + "." +
    (empty ? " " + plural(empty, "module") + " without statements (empty or declarations only) " + (empty === 1 ? "is" : "are") + " not listed." : "");
  [["line coverage", pct(s.line_coverage)], ["branch coverage", pct(s.branch_coverage)],
   [mods.length === 1 ? "module" : "modules", mods.length], ["never imported by tests", counts.unmeasured],
   ["without any test", counts.untested], [s.skipped === 1 ? "file skipped" : "files skipped", s.skipped]].forEach(function (f) {
    document.getElementById("summary").appendChild(el("div", { cls: "figure" }, el("b", { text: String(f[1]) }), el("span", { text: f[0] })));
  });

  /* ---- the package tree ------------------------------------------------------------------ */
  var rankOf = {};
  data.top.forEach(function (m, i) { rankOf[m] = i + 1; });
  function node(name, full) { return { name: name, full: full, kids: {}, list: null, mod: -1, size: 0, covered: 0, unmeasured: 0, count: 0, best: 0, hot: 0 }; }
  var root = node(data.project, "");
  mods.forEach(function (m, i) {
    var parts = m[F.name].split(".");
    var cur = root;
    for (var p = 0; p < parts.length; p++) {
      var full = parts.slice(0, p + 1).join(".");
      if (!cur.kids[parts[p]]) cur.kids[parts[p]] = node(parts[p], full);
      cur = cur.kids[parts[p]];
    }
    if (Object.keys(cur.kids).length || cur.mod >= 0) {
      cur.kids["__init__"] = node("__init__", m[F.name]);
      cur = cur.kids["__init__"];
    }
    cur.mod = i;
  });
  function sum(n) {
    var keys = Object.keys(n.kids);
    if (n.mod >= 0 && keys.length) {  // a package module that later gained children
      var leaf = node("__init__", n.full);
      leaf.mod = n.mod; n.mod = -1; n.kids["__init__"] = leaf; keys.push("__init__");
    }
    if (n.mod >= 0) {
      var m = mods[n.mod];
      n.size = m[F.statements];
      n.covered = m[F.statements] - m[F.missed];
      n.unmeasured = m[F.coverage] === null ? 1 : 0;
      n.count = 1;
      n.best = m[F.score];
      n.hot = rankOf[n.mod] && rankOf[n.mod] <= 10 ? 1 : 0;
    }
    n.list = keys.map(function (k) { return n.kids[k]; });
    n.list.forEach(function (c) {
      sum(c);
      n.size += c.size; n.covered += c.covered; n.unmeasured += c.unmeasured; n.count += c.count;
      n.best = Math.max(n.best, c.best); n.hot += c.hot;
    });
    n.list.sort(function (a, b) { return b.size - a.size; });
  }
  sum(root);
  while (root.list.length === 1 && root.list[0].list.length) root = root.list[0];  // skip lone wrappers
  var top = root;

  /* ---- squarified treemap ---------------------------------------------------------------- */
  function worst(row, side, scale) {
    var total = 0, max = 0, min = Infinity;
    row.forEach(function (n) { var a = n.size * scale; total += a; max = Math.max(max, a); min = Math.min(min, a); });
    var s2 = side * side, t2 = total * total;
    return Math.max(s2 * max / t2, t2 / (s2 * min));
  }
  function squarify(items, x, y, w, h) {
    var out = [];
    var total = items.reduce(function (a, n) { return a + n.size; }, 0);
    if (!total || w <= 0 || h <= 0) return out;
    var scale = (w * h) / total;
    var rest = items.slice();
    while (rest.length) {
      var side = Math.min(w, h), row = [rest[0]], i = 1;
      while (i < rest.length && worst(row.concat([rest[i]]), side, scale) <= worst(row, side, scale)) { row.push(rest[i]); i++; }
      rest = rest.slice(i);
      var area = row.reduce(function (a, n) { return a + n.size * scale; }, 0);
      if (w >= h) {
        var cw = area / h, cy = y;
        row.forEach(function (n) { var ch = n.size * scale / cw; out.push([n, x, cy, cw, ch]); cy += ch; });
        x += cw; w -= cw;
      } else {
        var rh = area / w, cx = x;
        row.forEach(function (n) { var cw2 = n.size * scale / rh; out.push([n, cx, y, cw2, rh]); cx += cw2; });
        y += rh; h -= rh;
      }
    }
    return out;
  }
  var map = document.getElementById("treemap");
  var cells = 0;
  var selected = -1;
  function cellFor(n, x, y, w, h, depth, parent) {
    var isPkg = n.mod < 0;
    var cov = n.size ? 100 * n.covered / n.size : null;
    var c = el("div", { cls: "cell" + (isPkg ? " pkg" : ""), title: "" });
    c.style.left = x + "px"; c.style.top = y + "px"; c.style.width = Math.max(0, w) + "px"; c.style.height = Math.max(0, h) + "px";
    cells++;
    var info = (n.mod >= 0 ? mods[n.mod][F.name] : n.full || n.name) + "\n" + n.size + " statements, " + pct(cov) + " covered" +
      (n.unmeasured ? ", " + n.unmeasured + " never imported by tests" : "") + "\nhighest score " + n.best.toFixed(1);
    c.title = info;
    var canNest = isPkg && depth < 3 && w > 90 && h > 50 && cells < MAX_CELLS;
    if (n.mod >= 0) {
      var m = mods[n.mod];
      c.setAttribute("data-m", String(n.mod));
      // Never imported: the hatching of the .unmeasured class (an inline colour would hide it).
      if (m[F.coverage] === null) c.classList.add("unmeasured"); else c.style.background = colour(m[F.coverage]);
      if (rankOf[n.mod] && rankOf[n.mod] <= 10) {
        c.classList.add("hot");
        c.appendChild(el("span", { cls: "rank", text: String(rankOf[n.mod]), title: "rank " + rankOf[n.mod] }));
      }
      if (n.mod === selected) c.classList.add("selected");
      c.appendChild(document.createTextNode(n.name === "__init__" ? m[F.name].split(".").pop() + "/__init__" : n.name));
      c.addEventListener("click", function (e) { e.stopPropagation(); showDetail(n.mod); });
    } else if (canNest) {
      c.appendChild(el("span", { cls: "label", text: n.name + "  " + (n.unmeasured === n.count ? "never imported" : pct(cov)) }));
      var inner = squarify(n.list.filter(function (k) { return k.size > 0; }), 0, 16, w - 2, h - 18);
      inner.forEach(function (r) { c.appendChild(cellFor(r[0], r[1], r[2], r[3], r[4], depth + 1, n)); });
      c.addEventListener("click", function (e) { e.stopPropagation(); zoom(n); });
    } else {
      c.classList.remove("pkg");
      if (n.unmeasured === n.count) c.classList.add("unmeasured"); else c.style.background = colour(cov);
      if (n.hot) {  // a count of top modules inside, not a rank: its own badge
        c.classList.add("hot");
        c.appendChild(el("span", { cls: "hotcount", text: n.hot + " of top 10", title: plural(n.hot, "module") + " of the top 10 inside" }));
      }
      c.appendChild(document.createTextNode(n.name + "/ (" + n.size + ")"));
      c.addEventListener("click", function (e) { e.stopPropagation(); zoom(n); });
    }
    return c;
  }
  function drawMap() {
    map.textContent = "";
    cells = 0;
    var w = map.clientWidth, h = map.clientHeight;
    squarify(top.list.filter(function (k) { return k.size > 0; }), 0, 0, w, h).forEach(function (r) {
      map.appendChild(cellFor(r[0], r[1], r[2], r[3], r[4], 0, top));
    });
    var crumbs = document.getElementById("crumbs");
    crumbs.textContent = "";
    var trail = [], n = top;
    var path = top.full ? top.full.split(".") : [];
    crumbs.appendChild(el("a", { text: root.name || data.project }));
    crumbs.lastChild.addEventListener("click", function () { zoom(root); });
    var cur = root;
    var rootDepth = root.full ? root.full.split(".").length : 0;
    path.slice(rootDepth).forEach(function (part) {
      cur = cur.kids[part];
      if (!cur) return;
      var target = cur;
      crumbs.appendChild(document.createTextNode(" \u203A "));
      var a = el("a", { text: part });
      a.addEventListener("click", function () { zoom(target); });
      crumbs.appendChild(a);
    });
    void trail; void n;
  }
  function zoom(n) { top = n; drawMap(); }
  var resizeTimer = null;
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawMap, 150); });

  /* ---- the table --------------------------------------------------------------------------- */
  var byFunction = data.by === "function";
  var columns = byFunction
    ? [["#", "rank", true], ["score", "score", true], ["function", "name", false], ["cover", "coverage", true],
       ["missed", "missed", true], ["test first", "kind", false], ["why", "why", false]]
    : [["#", "rank", true], ["score", "score", true], ["module", "name", false], ["cover", "coverage", true],
       ["missed", "missed", true], ["statements", "statements", true], ["test first", "kind", false], ["why", "why", false]];
  var items = byFunction
    ? data.rows.map(function (r, i) {
        return { rank: i + 1, m: r[0], score: r[3], name: (r[0] >= 0 ? mods[r[0]][F.name] : "?") + ":" + r[1],
                 coverage: r[4], missed: r[5], statements: r[6], kind: r[7], why: r[8],
                 text: ((r[0] >= 0 ? mods[r[0]][F.path] : "") + " " + r[1] + " " + r[8]).toLowerCase() };
      })
    : mods.map(function (m, i) {
        return { rank: i + 1, m: i, score: m[F.score], name: m[F.name], coverage: m[F.coverage], missed: m[F.missed],
                 statements: m[F.statements], kind: m[F.test_type], why: (m[F.reasons].length > 1 ? m[F.reasons].slice(1, 3) : m[F.reasons]).join("; "),
                 text: (m[F.name] + " " + m[F.path] + " " + m[F.reasons].join(" ")).toLowerCase() };
      });
  var sortKey = "rank", sortDir = 1, shown = PAGE, view = items;
  var thead = document.querySelector("#ranked thead tr"), tbody = document.querySelector("#ranked tbody");
  columns.forEach(function (col) {
    var th = el("th", { text: col[0], "data-key": col[1], scope: "col" });
    th.addEventListener("click", function () {
      if (sortKey === col[1]) sortDir = -sortDir; else { sortKey = col[1]; sortDir = col[2] && col[1] !== "rank" ? -1 : 1; }
      shown = PAGE; refresh();
    });
    thead.appendChild(th);
  });
  function compare(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (x === null || x === undefined) x = -1;
    if (y === null || y === undefined) y = -1;
    if (x < y) return -sortDir;
    if (x > y) return sortDir;
    return a.rank - b.rank;
  }
  function refresh() {
    var q = document.getElementById("filter").value.trim().toLowerCase();
    var kind = document.getElementById("kind").value;
    var untested = document.getElementById("untested").checked;
    view = items.filter(function (it) {
      return (!q || it.text.indexOf(q) >= 0 || it.name.toLowerCase().indexOf(q) >= 0) && (!kind || it.kind === kind) &&
        (!untested || !it.coverage);
    });
    view.sort(compare);
    Array.prototype.forEach.call(thead.children, function (th) {
      th.className = th.getAttribute("data-key") === sortKey ? (sortDir > 0 ? "sorted-asc" : "sorted-desc") : "";
    });
    tbody.textContent = "";
    var frag = document.createDocumentFragment();
    view.slice(0, shown).forEach(function (it) {
      var tr = el("tr", { "data-m": String(it.m) });
      if (it.m === selected) tr.className = "selected";
      tr.appendChild(el("td", { cls: "num", text: String(it.rank) }));
      tr.appendChild(el("td", { cls: "num" }, el("span", { cls: "bar", style: "width:" + Math.round(it.score * 0.6) + "px;background:#c0392b" }), it.score.toFixed(1)));
      tr.appendChild(el("td", { cls: "name" }, dotted(it.name)));
      tr.appendChild(el("td", { cls: "num", style: "color:" + colour(it.coverage), text: it.coverage === null ? "never\u00a0run" : pct(it.coverage) }));
      tr.appendChild(el("td", { cls: "num", text: String(it.missed) }));
      if (!byFunction) tr.appendChild(el("td", { cls: "num", text: String(it.statements) }));
      tr.appendChild(el("td", {}, el("span", { cls: "kind " + it.kind, text: it.kind })));
      tr.appendChild(el("td", { cls: "why", text: it.why }));
      tr.addEventListener("click", function () { if (it.m >= 0) showDetail(it.m); });
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    document.getElementById("count").textContent = view.length + " of " + plural(items.length, byFunction ? "function" : "module");
    var more = document.getElementById("more");
    more.hidden = view.length <= shown;
    more.textContent = "Show " + Math.min(PAGE, view.length - shown) + " more";
  }
  document.getElementById("more").addEventListener("click", function () { shown += PAGE; refresh(); });
  var filterTimer = null;
  document.getElementById("filter").addEventListener("input", function () { clearTimeout(filterTimer); filterTimer = setTimeout(function () { shown = PAGE; refresh(); }, 120); });
  document.getElementById("kind").addEventListener("change", function () { shown = PAGE; refresh(); });
  document.getElementById("untested").addEventListener("change", function () { shown = PAGE; refresh(); });

  /* ---- module detail ----------------------------------------------------------------------- */
  function link(i) {
    var a = el("a", { text: mods[i][F.name], "data-m": String(i) });
    a.addEventListener("click", function () { showDetail(i); });
    return a;
  }
  function list(title, entries, total) {
    total = total || entries.length;
    if (!entries.length) return el("p", {}, el("b", { text: title + ": " }), "none");
    var ul = el("ul");
    entries.slice(0, 50).forEach(function (e) { ul.appendChild(el("li", {}, e)); });
    if (total > 50) ul.appendChild(el("li", { text: "\u2026 and " + (total - 50) + " more" }));
    return el("div", {}, el("b", { text: title + " (" + total + ")" }), ul);
  }
  function showDetail(i) {
    selected = i;
    var m = mods[i];
    var box = document.getElementById("detail");
    box.textContent = "";
    box.appendChild(el("h3", { text: m[F.name] }));
    box.appendChild(el("p", { cls: "mono" }, m[F.path] + " ",
      el("a", { cls: "anchor", href: "#module=" + encodeURIComponent(m[F.name]), title: "A link to this module's detail", text: "link" })));
    box.appendChild(el("p", {}, "Score ", el("b", { text: m[F.score].toFixed(1) }), " \u00b7 line coverage ",
      el("b", { text: m[F.coverage] === null ? "never run" : pct(m[F.coverage]) }),
      m[F.branch_coverage] !== null ? " \u00b7 branches " + pct(m[F.branch_coverage]) : "",
      " \u00b7 " + m[F.missed] + " of " + m[F.statements] + " statements missed"));
    box.appendChild(el("p", {}, "Test first: ", el("span", { cls: "kind " + m[F.test_type], text: m[F.test_type] }), " \u2014 " + data.strings[m[F.test_type_reason]]));
    box.appendChild(list("Why", m[F.reasons]));
    if (m[F.changed_missed].length) box.appendChild(el("p", {}, el("b", { text: "Changed lines no test ran: " }), ranges(m[F.changed_missed])));
    if (m[F.missed_lines].length) box.appendChild(el("p", {}, el("b", { text: "Lines no test ran: " }), el("span", { cls: "mono", text: ranges(m[F.missed_lines]) })));
    var toggle = el("button", { type: "button", id: "show-source", text: "Show the source, unrun lines highlighted" });
    toggle.addEventListener("click", function () { toggle.disabled = true; showSource(i, box, toggle); });
    box.appendChild(toggle);
    var fns = m[F.functions];
    if (fns.length) {
      var t = el("table", { cls: "functions" }, el("thead", {}, el("tr", {}, el("th", { text: "function" }), el("th", { text: "line" }),
        el("th", { text: "cover" }), el("th", { text: "missed" }), el("th", { text: "complexity" }), el("th", { text: "score" }))));
      var tb = el("tbody");
      fns.forEach(function (f) {
        tb.appendChild(el("tr", {}, el("td", { cls: "mono", text: f[0] }), el("td", { cls: "num", text: String(f[1]) }),
          el("td", { cls: "num", style: "color:" + colour(f[4]), text: f[4] === null ? "never run" : pct(f[4]) }),
          el("td", { cls: "num", text: f[3] + "/" + f[2] }), el("td", { cls: "num", text: String(f[5]) }),
          el("td", { cls: "num", text: f[6].toFixed(1) })));
      });
      t.appendChild(tb);
      box.appendChild(el("div", {}, el("b", { text: "Functions (" + fns.length + ")" }), t));
    } else {
      box.appendChild(el("p", { text: "No functions: module-level code only." }));
    }
    box.appendChild(list("Imported by", m[F.importers].map(link)));
    box.appendChild(list("Called from", m[F.callers].map(function (c) { return el("span", { cls: "mono", text: c }); }), m[F.callers_total]));
    box.appendChild(list("Tests that exercise it", m[F.tests].map(function (t) { return el("span", { cls: "mono", text: data.tests[t] }); })));
    var hash = "#module=" + encodeURIComponent(m[F.name]);
    if (location.hash !== hash && history.replaceState) history.replaceState(null, "", hash);
    Array.prototype.forEach.call(document.querySelectorAll(".selected"), function (n) { n.classList.remove("selected"); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-m="' + i + '"]'), function (n) {
      if (n.tagName === "TR" || n.classList.contains("cell")) n.classList.add("selected");
    });
  }

  /* ---- source view: the embedded, compressed sources are unpacked on first use ------------- */
  var sources = null;
  function loadSources() {
    if (!sources) {
      var text = document.getElementById("gapfinder-source").textContent.trim();
      var bytes = Uint8Array.from(atob(text), function (ch) { return ch.charCodeAt(0); });
      sources = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).json();
    }
    return sources;
  }
  function showSource(i, box, toggle) {
    var m = mods[i];
    loadSources().then(function (all) {
      if (selected !== i) return;
      var text = all[String(i)];
      if (text === undefined) {
        toggle.replaceWith(el("p", { cls: "hint", text: "The source of this module is not in the page (past the size budget, or unreadable): see " + m[F.path] + "." }));
        return;
      }
      var missed = lineSet(m[F.missed_lines]), changed = lineSet(m[F.changed_missed]);
      var pre = el("pre", { cls: "source", "aria-label": "Source of " + m[F.name] });
      var lines = text.split("\n");
      if (lines.length && lines[lines.length - 1] === "") lines.pop();
      var frag = document.createDocumentFragment();
      lines.forEach(function (line, k) {
        var n = k + 1;
        var row = el("span", { cls: "line" + (missed[n] ? " miss" : "") + (changed[n] ? " changed" : ""), id: "L" + n },
          el("span", { cls: "ln", text: String(n) }), line + "\n");
        frag.appendChild(row);
      });
      pre.appendChild(frag);
      var count = Object.keys(missed).length;
      toggle.replaceWith(el("div", {}, el("b", { text: "Source (" + plural(count, "line") + " no test ran, highlighted)" }), pre));
      var first = pre.querySelector(".miss");
      if (first) pre.scrollTop = Math.max(0, first.offsetTop - 40);
    }, function (error) {
      toggle.replaceWith(el("p", { cls: "hint", text: "This browser cannot unpack the source (" + error + ")." }));
    });
  }

  /* ---- deep links: #module=pkg.mod opens that module ------------------------------------- */
  function openFromHash() {
    var match = /^#module=(.+)$/.exec(location.hash);
    if (!match) return;
    var i = byName[decodeURIComponent(match[1])];
    if (i === undefined || i === selected) return;
    showDetail(i);
    var row = document.querySelector('#ranked tbody tr[data-m="' + i + '"]');
    if (row) row.scrollIntoView({ block: "center" });
    else document.getElementById("detail").scrollIntoView();
  }
  window.addEventListener("hashchange", openFromHash);

  /* ---- progress history ------------------------------------------------------------------- */
  function drawHistory() {
    var box = document.getElementById("history");
    var h = data.history;
    if (!h.length) {
      box.appendChild(el("p", { cls: "hint", text: "No progress history yet: run `gapfinder progress --record` (for example in CI on the main branch) to start one." }));
      return;
    }
    var NS = "http://www.w3.org/2000/svg", W = 900, H = 240, L = 50, R = 50, T = 16, B = 34;
    function svg(tag, attrs) { var n = document.createElementNS(NS, tag); Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); }); return n; }
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-label": "Finished tests and line coverage over time" });
    var maxTests = Math.max.apply(null, h.map(function (r) { return r[2]; }).concat([1]));
    var n = h.length;
    function x(i) { return L + (n === 1 ? (W - L - R) / 2 : i * (W - L - R) / (n - 1)); }
    function yT(v) { return H - B - v / maxTests * (H - T - B); }
    function yC(v) { return H - B - v / 100 * (H - T - B); }
    chart.appendChild(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999" }));
    [0, 0.5, 1].forEach(function (f) {
      var t = svg("text", { x: L - 6, y: yT(f * maxTests) + 4, "text-anchor": "end", "font-size": 11, fill: "#2457c5" });
      t.textContent = String(Math.round(f * maxTests)); chart.appendChild(t);
      var c = svg("text", { x: W - R + 6, y: yC(f * 100) + 4, "font-size": 11, fill: "#1e8449" });
      c.textContent = Math.round(f * 100) + "%"; chart.appendChild(c);
    });
    function path(points, colourName, dash) {
      if (!points.length) return;
      chart.appendChild(svg("path", { d: points.map(function (p, i) { return (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1); }).join(" "),
        fill: "none", stroke: colourName, "stroke-width": 2, "stroke-dasharray": dash || "" }));
      points.forEach(function (p) { chart.appendChild(svg("circle", { cx: p[0], cy: p[1], r: 3, fill: colourName })); });
    }
    path(h.map(function (r, i) { return [x(i), yT(r[2])]; }), "#9db4e6", "4 3");
    path(h.map(function (r, i) { return [x(i), yT(r[1])]; }), "#2457c5");
    path(h.filter(function (r) { return r[4] !== null; }).map(function (r) { return [x(h.indexOf(r)), yC(r[4])]; }), "#1e8449");
    [0, n - 1].forEach(function (i) {
      var t = svg("text", { x: x(i), y: H - 12, "text-anchor": i ? "end" : "start", "font-size": 11, fill: "#555" });
      t.textContent = h[i][0].slice(0, 10); chart.appendChild(t);
    });
    box.appendChild(chart);
    var last = h[n - 1];
    box.appendChild(el("p", { cls: "legend", text: plural(n, "snapshot") + ". Solid blue: finished tests (" + last[1] + " now); dashed: all tests (" + last[2] +
      "); green: line coverage (" + pct(last[4]) + ")." }));
  }

  refresh();
  drawMap();
  drawHistory();
  openFromHash();
  document.body.setAttribute("data-ready", "1");
})();
