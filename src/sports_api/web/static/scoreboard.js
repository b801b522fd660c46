// The scoreboard's progressive part; the page is complete without it.
//  - Start times, printed in UTC by the server, are rewritten in the viewer's zone.
//  - "fetched 2 min ago" keeps counting.
//  - While a game is live (the board carries data-refresh, in seconds: the data's
//    Cache-Control max-age, never less than the service's retry pace), the board is
//    fetched again when that time runs out, from the same cache the JSON routes use.
//    Nothing is fetched while the tab is hidden.
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
})();
