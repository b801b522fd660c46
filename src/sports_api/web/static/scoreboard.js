// The scoreboard's progressive part; the page is complete without it.
//  - Start times, printed in UTC by the server, are rewritten in the viewer's zone.
//  - "fetched 2 min ago" keeps counting.
//  - While a game is live (the board carries data-refresh, in seconds: the data's
//    Cache-Control max-age, never less than the service's retry pace), the board is
//    fetched again when that time runs out, from the same cache the JSON routes use.
//    Nothing is fetched while the tab is hidden.
//  - Live push (issue 23): the league's event stream (EventSource, same origin) updates
//    each card in place as its game changes: the score, the clock. A game that changes
//    section (kick-off, full time) or that the page does not show yet fetches the board
//    again. While the stream is open the timed refresh is not needed; whenever it is not
//    (refused behind API Gateway without a key, or reconnecting), the timed refresh goes on.
"use strict";

(function () {
  var timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  var dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
  var fullFormat = new Intl.DateTimeFormat(undefined, {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "numeric", minute: "2-digit", timeZoneName: "short",
  });
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "your time zone";
  var timer = null;
  var due = false;
  var streaming = false;
  var script = document.currentScript;
  var base = script ? script.getAttribute("src").replace(/\/static\/scoreboard\.js.*$/, "") : "";
  var SECTION = { scheduled: "upcoming", live: "live", paused: "live", final: "final" };

  function startOfDay(date) {
    return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  }

  function dayLabel(date) {
    var days = Math.round((startOfDay(date) - startOfDay(new Date())) / 86400000);
    if (days === 0) return "Today";
    if (days === 1) return "Tomorrow";
    if (days === -1) return "Yesterday";
    return dayFormat.format(date);
  }

  function ago(seconds) {
    if (seconds < 45) return "just now";
    var minutes = Math.max(1, Math.round(seconds / 60));
    if (minutes < 60) return minutes + " min ago";
    if (minutes < 1440) {
      var hours = Math.floor(minutes / 60), rest = minutes % 60;
      return rest ? hours + " h " + rest + " min ago" : hours + " h ago";
    }
    var days = Math.floor(minutes / 1440);
    return days + (days > 1 ? " days ago" : " day ago");
  }

  function localise(root) {
    root.querySelectorAll("time[data-format]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      if (el.dataset.format === "local") {
        el.textContent = dayLabel(date) + ", " + timeFormat.format(date);
        el.title = fullFormat.format(date);
      } else if (el.dataset.format === "ago") {
        el.textContent = ago((Date.now() - date.getTime()) / 1000);
        el.title = fullFormat.format(date);
      }
    });
    root.querySelectorAll("[data-tz-note]").forEach(function (el) {
      el.textContent = "Times are in your time zone (" + zone + ").";
    });
  }

  function board() {
    return document.getElementById("board");
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = null;
    if (streaming) return;  // the stream brings each change as it happens
    var current = board();
    var after = seconds || (current && Number(current.dataset.refresh));
    if (!after) return;  // nothing live: the data will not change before the next visit
    timer = setTimeout(refresh, after * 1000 + 500);
  }

  function refresh() {
    timer = null;
    if (document.hidden) { due = true; return; }
    var old = board();
    // Keep keyboard focus on the same link when the board is replaced.
    var focused = old && old.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    fetch(window.location.href, { cache: "no-cache", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("board");
        if (!fresh || !old) throw new Error("no board in the answer");
        old.replaceWith(fresh);
        localise(fresh);
        if (focused) {
          var again = Array.prototype.find.call(fresh.querySelectorAll("a[href]"), function (a) {
            return a.getAttribute("href") === focused;
          });
          if (again) again.focus();
        }
        schedule();
      })
      .catch(function () {
        schedule(60);  // the service or the network failed: try again in a minute
      });
  }

  function league() {
    var asked = new URLSearchParams(window.location.search).get("league");
    if (asked) return asked;
    var current = document.querySelector('nav a[aria-current="page"]');
    return current ? new URL(current.href, window.location.href).searchParams.get("league") : null;
  }

  function card(id) {
    var found = null;
    document.querySelectorAll("#board li.game[data-game-id]").forEach(function (el) {
      if (el.getAttribute("data-game-id") === id) found = el;
    });
    return found;
  }

  function sectionOf(el) {
    var match = /\bgame-([a-z]+)\b/.exec(el.className);
    return match ? SECTION[match[1]] || "other" : "other";
  }

  // One game as an event carries it: updated in place, or the board fetched again.
  function apply(game) {
    var el = card(game.id);
    if (!el || sectionOf(el) !== (SECTION[game.status] || "other")) {
      refresh();  // a new game, or one that moves to another section
      return;
    }
    el.className = el.className.replace(/\bgame-[a-z]+\b/, "game-" + game.status);
    var rows = el.querySelectorAll("ul.teams > li.team");
    game.teams.forEach(function (team, index) {
      var row = null;
      rows.forEach(function (r) { if (team.id && r.getAttribute("data-team-id") === team.id) row = r; });
      row = row || rows[index];
      if (!row) return;
      var score = row.querySelector(".score");
      if (!score) {
        score = document.createElement("span");
        score.className = "score";
        row.appendChild(score);
      }
      var text = team.score === null || team.score === undefined ? "\u2013" : String(team.score);
      if (score.textContent !== text) score.textContent = text;
    });
    var clock = el.querySelector(".clock");
    if (clock) clock.textContent = game.clock || game.status_text || clock.textContent;
  }

  function listen() {
    var slug = league();
    if (!slug || !board() || !window.EventSource) return;  // an error page has no board to update
    // The league's stream at the page's own keyless path (/v1/... needs a key behind the gateway).
    var source = new EventSource(base + "/events/" + encodeURIComponent(slug));
    source.addEventListener("open", function () {
      streaming = true;
      clearTimeout(timer);
      timer = null;
    });
    source.addEventListener("snapshot", function (event) {
      JSON.parse(event.data).games.forEach(function (game) {
        var el = card(game.id);
        if (el && sectionOf(el) === (SECTION[game.status] || "other")) apply(game);
      });
    });
    source.addEventListener("game", function (event) {
      apply(JSON.parse(event.data).game);
    });
    source.addEventListener("error", function () {
      // The browser reconnects by itself (with Last-Event-ID) unless the stream was refused
      // (CLOSED); either way the timed refresh keeps the board current until it is open again.
      streaming = false;
      if (!timer) schedule();
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && due) { due = false; refresh(); }
  });

  localise(document);
  setInterval(function () {
    document.querySelectorAll('time[data-format="ago"]').forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date.getTime())) el.textContent = ago((Date.now() - date.getTime()) / 1000);
    });
  }, 30000);
  schedule();
  listen();
})();
