// The report's page: reads the two JSON blocks and renders one view at a time.
// Everything that came from the input is put in the page as text (textContent, text nodes,
// attribute values), never as markup. Views are paged, so the page holds a bounded number of
// elements whatever the size of the run. The view is named in the address (#files?step=X,
// #file=N, ...), so a view can be linked to, and opened directly.
(function () {
  "use strict";
  var docs = JSON.parse(document.getElementById("nc-documents").textContent);
  var summary = JSON.parse(document.getElementById("nc-summary").textContent);
  var FILES_PER_PAGE = 50;
  var CLUSTERS_PER_PAGE = 10;
  var FAILURES_PER_PAGE = 100;
  // Members of one cluster set side by side; the others are listed by name.
  var MEMBERS_SHOWN = 6;
  var view = document.getElementById("nc-view");
  var stepNumber = {};
  summary.steps.forEach(function (step, i) { stepNumber[step] = i; });

  document.getElementById("nc-title").textContent = summary.title;
  document.title = summary.title;

  function colour(step) {
    var i = stepNumber[step] === undefined ? summary.steps.length : stepNumber[step];
    return "hsl(" + ((i * 137 + 200) % 360) + " 62% 40%)";
  }

  // An element with properties (className, title, href, ...) and children (strings become
  // text nodes).
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "step") {
        node.setAttribute("data-step", props.step);
        node.style.setProperty("--c", colour(props.step));
      } else if (key.indexOf("data-") === 0) {
        node.setAttribute(key, props[key]);
      } else {
        node[key] = props[key];
      }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function number(n) { return Number(n).toLocaleString("en"); }

  // A span's reason: written in the span, or the number of a reason in the summary.
  function reasonOf(span) {
    return typeof span[3] === "number" ? summary.reasons[span[3]] : span[3];
  }

  function link(hash, text) { return el("a", { href: "#" + hash }, [text]); }

  function hashOf(name, params) {
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (key) {
      if (params[key] !== "" && params[key] !== null && params[key] !== undefined) {
        query.set(key, params[key]);
      }
    });
    var text = query.toString();
    return name + (text ? "?" + text : "");
  }

  function route() {
    var hash = location.hash.slice(1) || "summary";
    var cut = hash.indexOf("?");
    var name = cut < 0 ? hash : hash.slice(0, cut);
    var params = new URLSearchParams(cut < 0 ? "" : hash.slice(cut + 1));
    var match = /^file=(\d+)$/.exec(name);
    view.textContent = "";
    document.querySelectorAll("#nc-nav a").forEach(function (a) {
      var current = a.getAttribute("data-view") === (match ? "files" : name);
      a.className = current ? "current" : "";
    });
    if (match && docs[Number(match[1])]) {
      renderFile(docs[Number(match[1])], params);
    } else if (name === "files") {
      renderFiles(params);
    } else if (name === "duplicates") {
      renderDuplicates(params);
    } else if (name === "failed") {
      renderFailed(params);
    } else {
      name = "summary";
      renderSummary();
    }
    document.documentElement.setAttribute("data-view", match ? "file" : name);
    document.documentElement.setAttribute("data-ready", "1");
  }

  // A pager over `total` items: the items of page `page` are [first, last).
  function pager(total, perPage, page, hashFor) {
    var pages = Math.max(1, Math.ceil(total / perPage));
    page = Math.min(Math.max(1, page || 1), pages);
    var first = (page - 1) * perPage;
    var last = Math.min(total, first + perPage);
    var bar = el("div", { className: "pager" }, [
      page > 1 ? link(hashFor(page - 1), "‹ previous") : null,
      el("span", { className: "pages" }, [
        "page " + page + " of " + pages + " (" + (total ? first + 1 : 0) + "–" + last +
        " of " + number(total) + ")"]),
      page < pages ? link(hashFor(page + 1), "next ›") : null,
    ]);
    return { first: first, last: last, bar: bar };
  }

  function card(value, label) {
    return el("div", { className: "card" }, [el("b", {}, [value]), el("span", {}, [label])]);
  }

  function chart(rows, max) {
    var grid = el("div", { className: "chart" });
    rows.forEach(function (row) {
      grid.appendChild(el("div", { className: "label", title: row.label }, [
        el("span", { className: "swatch", step: row.step }), row.label]));
      grid.appendChild(el("div", { className: "barrow" }, [
        el("div", { className: "bar", step: row.step,
                    "data-value": row.value },
           []),
        row.text]));
      grid.lastChild.firstChild.style.width = Math.max(0.3, 70 * row.value / (max || 1)) + "%";
    });
    return grid;
  }

  function renderSummary() {
    var total = summary.kept_words + summary.removed_words;
    var share = total ? Math.round(1000 * summary.removed_words / total) / 10 : 0;
    view.appendChild(el("div", { className: "cards", id: "nc-cards" }, [
      card(number(summary.documents), "documents"),
      card(number(summary.records), "records"),
      card(number(summary.empty), "documents with no record"),
      card(number(summary.kept_words), "words kept"),
      card(number(summary.removed_words), "words removed (" + share + "%)"),
      card(number(summary.clusters.length), "near-duplicate clusters"),
      card(number(summary.duplicates), "near-duplicates"),
      card(number(summary.failures.length), "failed"),
    ]));
    var bySteps = summary.by_step.filter(function (row) { return row[1] > 0; });
    view.appendChild(el("h2", {}, ["Removed, by step"]));
    if (!bySteps.length) view.appendChild(el("p", { className: "muted" }, ["Nothing removed."]));
    var maxSpans = Math.max.apply(null, bySteps.map(function (row) { return row[1]; }).concat([1]));
    view.appendChild(chart(bySteps.map(function (row) {
      return { step: row[0], label: row[0], value: row[1],
               text: number(row[1]) + " spans, " + number(row[2]) + " words" };
    }), maxSpans));
    if (summary.by_reason.length) {
      view.appendChild(el("h2", {}, ["Removed, by reason"]));
      var maxReason = summary.by_reason[0][2];
      view.appendChild(chart(summary.by_reason.map(function (row) {
        return { step: row[0], label: row[0] + ": " + row[1], value: row[2],
                 text: number(row[2]) };
      }), maxReason));
      if (summary.other_reasons) {
        view.appendChild(el("p", { className: "muted" }, [
          number(summary.other_reasons) + " more spans, for other reasons"]));
      }
    }
    view.appendChild(el("h2", {}, ["Near-duplicate clusters"]));
    view.appendChild(el("p", {}, summary.clusters.length
      ? [number(summary.clusters.length) + " clusters, " + number(summary.duplicates) +
         " near-duplicates: ", link("duplicates", "side by side")]
      : ["None found."]));
    view.appendChild(el("h2", {}, ["Failed"]));
    if (!summary.failures.length) {
      view.appendChild(el("p", {}, ["Every input was read and cleaned."]));
    } else {
      view.appendChild(failureTable(summary.failures.slice(0, 20)));
      if (summary.failures.length > 20) {
        view.appendChild(el("p", {}, [link("failed", "all " + number(summary.failures.length))]));
      }
    }
    view.appendChild(el("h2", {}, ["Inputs"]));
    view.appendChild(el("p", { className: "muted" }, [summary.inputs.join("  ")]));
  }

  function failureTable(rows) {
    var table = el("table", { id: "nc-failures" }, [
      el("tr", {}, [el("th", {}, ["file"]), el("th", {}, ["why"])])]);
    rows.forEach(function (row) {
      table.appendChild(el("tr", {}, [el("td", {}, [row.file]), el("td", {}, [row.reason])]));
    });
    return table;
  }

  function renderFailed(params) {
    view.appendChild(el("h2", {}, ["Inputs that could not be read or cleaned"]));
    var page = pager(summary.failures.length, FAILURES_PER_PAGE, Number(params.get("page")),
                     function (p) { return hashOf("failed", { page: p }); });
    view.appendChild(page.bar);
    view.appendChild(failureTable(summary.failures.slice(page.first, page.last)));
  }

  function stepsOf(doc) {
    var counts = {};
    doc.spans.forEach(function (span) { counts[span[2]] = (counts[span[2]] || 0) + 1; });
    return counts;
  }

  function chips(counts) {
    return Object.keys(counts).sort(function (a, b) {
      return (stepNumber[a] || 0) - (stepNumber[b] || 0);
    }).map(function (step) {
      return el("span", { className: "chip", step: step, title: step }, [
        step + " " + counts[step]]);
    });
  }

  function renderFiles(params) {
    var query = params.get("q") || "";
    var step = params.get("step") || "";
    var search = el("input", { type: "search", id: "nc-search", value: query,
                               placeholder: "file name contains…" });
    var select = el("select", { id: "nc-step" }, [el("option", { value: "" }, ["any step"])]);
    summary.steps.forEach(function (name) {
      select.appendChild(el("option", { value: name }, [name]));
    });
    select.value = step;
    var list = el("div", { id: "nc-list" });
    view.appendChild(el("div", { className: "controls" }, [
      el("label", {}, ["Search ", search]),
      el("label", {}, ["Removed by ", select])]));
    view.appendChild(list);

    function show(page) {
      var needle = search.value.toLowerCase();
      var wanted = select.value;
      var state = { q: search.value, step: wanted, page: page > 1 ? page : "" };
      history.replaceState(null, "", "#" + hashOf("files", state));
      var found = [];
      for (var i = 0; i < docs.length; i++) {
        var doc = docs[i];
        if (needle && doc.source.toLowerCase().indexOf(needle) < 0) continue;
        if (wanted && !doc.spans.some(function (span) { return span[2] === wanted; })) continue;
        found.push(doc);
      }
      var paged = pager(found.length, FILES_PER_PAGE, page, function (p) {
        return hashOf("files", { q: search.value, step: wanted, page: p });
      });
      var table = el("table", { id: "nc-files" }, [el("tr", {}, [
        el("th", { className: "num" }, ["#"]), el("th", {}, ["file"]),
        el("th", { className: "num" }, ["records"]), el("th", { className: "num" }, ["words kept"]),
        el("th", { className: "num" }, ["words removed"]), el("th", {}, ["removed by"])])]);
      found.slice(paged.first, paged.last).forEach(function (doc) {
        var records = doc.articles.filter(function (a) { return a.kept; }).length;
        table.appendChild(el("tr", { className: "file-row" }, [
          el("td", { className: "num" }, [doc.n + 1]),
          el("td", {}, [link("file=" + doc.n, doc.source || "(no name)")]),
          el("td", { className: "num" }, [records]),
          el("td", { className: "num" }, [number(doc.kept_words)]),
          el("td", { className: "num" }, [number(doc.removed_words)]),
          el("td", {}, chips(stepsOf(doc)))]));
      });
      list.textContent = "";
      list.appendChild(paged.bar);
      list.appendChild(table);
      document.documentElement.setAttribute("data-shown", String(paged.last - paged.first));
    }
    search.addEventListener("input", function () { show(1); });
    select.addEventListener("change", function () { show(1); });
    show(Number(params.get("page")) || 1);
  }

  function metadataList(article) {
    var list = el("dl");
    function row(key, value) {
      if (value === null || value === undefined || value === "" ||
          (Array.isArray(value) && !value.length)) return;
      var shown = typeof value === "string" ? value
        : Array.isArray(value) && value.every(function (v) { return typeof v === "string"; })
          ? value.join("\n") : JSON.stringify(value);
      list.appendChild(el("dt", {}, [key]));
      list.appendChild(el("dd", { className: "meta-" + key.replace(/[^a-z_]/gi, "") }, [shown]));
    }
    row("date", article.created);
    row("url", article.url);
    var meta = article.metadata || {};
    ["title", "authors", "standfirst", "links", "credits", "language"].forEach(function (key) {
      row(key, meta[key]);
    });
    Object.keys(meta).sort().forEach(function (key) {
      if (["title", "authors", "standfirst", "links", "credits", "language"].indexOf(key) < 0) {
        row(key, meta[key]);
      }
    });
    return list;
  }

  function articleBox(article, i) {
    var badges = [];
    if (!article.kept) {
      badges.push(el("span", { className: "badge " + (article.duplicate_of ? "dup" : "empty") },
        [article.duplicate_of ? "left out: near-duplicate" : "no record"]));
    } else if (article.duplicate_of) {
      badges.push(el("span", { className: "badge dup" }, ["near-duplicate of " +
                                                           article.duplicate_of]));
    }
    if (article.cluster && !article.duplicate_of) {
      badges.push(el("span", { className: "badge" }, ["kept member of a cluster"]));
    }
    return el("div", { className: "article" }, [
      el("b", {}, ["article " + (i + 1)]), " ", el("code", {}, [article.id]),
      el("span", { className: "muted" }, [" " + number(article.words) + " words"])]
      .concat(badges).concat([metadataList(article)]));
  }

  function removedSpan(step, reason, text) {
    // Records written with --removed spans keep where a span was, not its text.
    var shown = text === null || text === undefined ? "(text not kept)" : text;
    return el("del", { className: "rm", step: step, title: step + ": " + reason }, [shown]);
  }

  function renderText(doc, box) {
    var text = doc.text;
    var pos = 0;
    var next = 0;
    var part = 1;
    function kept(upto) {
      while (next < doc.splits.length && doc.splits[next] <= upto) {
        var at = Math.max(doc.splits[next], pos);
        if (at > pos) box.appendChild(document.createTextNode(text.slice(pos, at)));
        pos = at;
        part += 1;
        next += 1;
        box.appendChild(el("span", { className: "split" }, ["✂ article " + part + " starts here"]));
      }
      if (upto > pos) box.appendChild(document.createTextNode(text.slice(pos, upto)));
      pos = Math.max(pos, upto);
    }
    doc.spans.forEach(function (span) {
      kept(Math.max(span[0], pos));
      if (span[1] > pos) {
        box.appendChild(removedSpan(span[2], reasonOf(span), text.slice(pos, span[1])));
        pos = span[1];
      }
    });
    kept(text.length);
  }

  function renderWithoutText(doc, box) {
    box.appendChild(el("span", { className: "split" }, [
      "removed spans, by position (the original text could not be read again)"]));
    doc.spans.forEach(function (span) {
      box.appendChild(el("span", { className: "muted" }, ["@" + span[0] + " "]));
      box.appendChild(removedSpan(span[2], reasonOf(span), span[4]));
      box.appendChild(document.createTextNode("\n"));
    });
    doc.articles.forEach(function (article, i) {
      box.appendChild(el("span", { className: "split" }, ["article " + (i + 1) + ", as kept"]));
      box.appendChild(document.createTextNode(article.text));
    });
  }

  function renderFile(doc, params) {
    var only = params.get("step") || "";
    view.appendChild(el("p", {}, [
      link("files", "‹ all files"), "  ",
      doc.n > 0 ? link("file=" + (doc.n - 1), "‹ previous") : null, "  ",
      doc.n + 1 < docs.length ? link("file=" + (doc.n + 1), "next ›") : null]));
    view.appendChild(el("h2", { id: "nc-file-name" }, [doc.source || "(no name)"]));
    view.appendChild(el("p", { className: "muted" }, [
      number(doc.kept_words) + " words kept, " + number(doc.removed_words) + " removed, in " +
      doc.spans.length + " spans; " + doc.articles.length + " article(s)"]));
    view.appendChild(el("div", { className: "articles" }, doc.articles.map(articleBox)));
    var counts = stepsOf(doc);
    var reasons = {};
    doc.spans.forEach(function (span) {
      reasons[span[2]] = reasons[span[2]] || {};
      var reason = reasonOf(span);
      reasons[span[2]][reason] = (reasons[span[2]][reason] || 0) + 1;
    });
    var select = el("select", { id: "nc-only" }, [el("option", { value: "" }, ["every step"])]);
    var legend = el("div", { className: "legend", id: "nc-legend" });
    Object.keys(counts).sort(function (a, b) {
      return (stepNumber[a] || 0) - (stepNumber[b] || 0);
    }).forEach(function (step) {
      select.appendChild(el("option", { value: step }, [step]));
      var list = el("ul");
      Object.keys(reasons[step]).slice(0, 8).forEach(function (reason) {
        list.appendChild(el("li", {}, [reason + (reasons[step][reason] > 1
          ? " ×" + reasons[step][reason] : "")]));
      });
      var more = Object.keys(reasons[step]).length - 8;
      if (more > 0) list.appendChild(el("li", {}, ["and " + more + " more reasons"]));
      legend.appendChild(el("div", { className: "legend-step" }, [
        el("span", { className: "swatch", step: step }),
        el("b", {}, [step]), " " + counts[step] + " span(s)", list]));
    });
    if (!doc.spans.length) legend.appendChild(el("span", { className: "muted" }, [
      "Nothing was removed from this file."]));
    select.value = only;
    view.appendChild(el("h2", {}, ["Removed spans"]));
    view.appendChild(legend);
    view.appendChild(el("div", { className: "controls" }, [el("label", {}, [
      "Highlight ", select])]));
    var box = el("div", { className: "doc", id: "nc-text" });
    if (doc.text === null) renderWithoutText(doc, box);
    else renderText(doc, box);
    view.appendChild(box);

    function highlight() {
      var step = select.value;
      box.className = step ? "doc dimmed" : "doc";
      box.querySelectorAll("del.rm").forEach(function (node) {
        node.classList.toggle("on", node.getAttribute("data-step") === step);
      });
      history.replaceState(null, "", "#" + hashOf("file=" + doc.n, { step: step }));
    }
    select.addEventListener("change", highlight);
    if (only) highlight();
  }

  function sentences(text) {
    return (text || "").split(/(?<=[.!?…"”])\s+|\n+/).filter(function (s) { return s.trim(); });
  }

  function key(sentence) { return sentence.toLowerCase().replace(/\s+/g, " ").trim(); }

  function memberArticle(member) {
    var doc = docs[member[0]];
    var found = null;
    doc.articles.forEach(function (article) { if (article.id === member[1]) found = article; });
    return { doc: doc, article: found };
  }

  function renderCluster(cluster) {
    var members = cluster.members.map(memberArticle).filter(function (m) { return m.article; });
    var rest = members.slice(MEMBERS_SHOWN);
    members = members.slice(0, MEMBERS_SHOWN);
    var keys = members.map(function (m) {
      var set = {};
      sentences(m.article.text).forEach(function (s) { set[key(s)] = true; });
      return set;
    });
    var columns = members.map(function (m, i) {
      var kept = !m.article.duplicate_of;
      var others = i === 0 ? keys.slice(1) : [keys[0]];
      var column = el("div", { className: "member" + (kept ? " kept" : "") }, [
        el("div", {}, [link("file=" + m.doc.n, m.doc.source || "(no name)")]),
        el("div", { className: "muted" }, [
          (kept ? "kept" : "near-duplicate of " + m.article.duplicate_of) + " · " +
          m.article.id])]);
      sentences(m.article.text).forEach(function (sentence) {
        var shared = others.some(function (set) { return set[key(sentence)]; });
        column.appendChild(el("p", {}, [shared ? sentence
          : el("mark", { className: "diff", title: "not in the other member(s)" }, [sentence])]));
      });
      return column;
    });
    var others = el("p", { className: "muted" }, rest.length ? [
      rest.length + " more member(s): "].concat(rest.slice(0, 100).map(function (m) {
        return el("span", {}, [link("file=" + m.doc.n, m.doc.source || "(no name)"), " "]);
      })).concat(rest.length > 100 ? ["…"] : []) : []);
    return el("div", { className: "cluster" }, [
      el("h3", {}, ["cluster " + cluster.id + " · " + (members.length + rest.length) +
                    " members"]),
      el("div", { className: "members" }, columns), others]);
  }

  function renderDuplicates(params) {
    view.appendChild(el("h2", {}, ["Near-duplicate clusters"]));
    view.appendChild(el("p", { className: "muted" }, [
      "Members side by side, the kept one first; sentences a member does not share with " +
      "the kept one (or, for the kept one, with any other member) are highlighted."]));
    var page = pager(summary.clusters.length, CLUSTERS_PER_PAGE, Number(params.get("page")),
                     function (p) { return hashOf("duplicates", { page: p }); });
    view.appendChild(page.bar);
    if (!summary.clusters.length) view.appendChild(el("p", {}, ["None found."]));
    summary.clusters.slice(page.first, page.last).forEach(function (cluster) {
      view.appendChild(renderCluster(cluster));
    });
  }

  window.addEventListener("hashchange", route);
  route();
})();
