"""The scoreboard page and its error page, as HTML written with the standard library.

No template engine: the page is a handful of small functions and one
`string.Template` shell. Every text that comes from data (team names, clocks,
Google's raw dates, error details) goes through `_e`, which escapes quotes
too, so it is safe in an attribute as well as in text. What is not escaped is
markup built here from escaped parts.

Without JavaScript the page is complete: start times are printed in UTC inside
`<time datetime>` elements, and the league picker is a list of links.
`static/scoreboard.js` then rewrites the times in the viewer's zone and, while
a game is live, refreshes the board when the data's freshness runs out.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from string import Template

from sports_api.sports.catalogue import League, TeamOrder
from sports_api.sports.models import Game, Standing, Team
from sports_api.sports.season import Season

LIVE = frozenset({"live", "paused"})
OTHER = frozenset({"postponed", "cancelled", "suspended", "unknown"})
# Colour classes for a team without a logo (`.hue-0` … in scoreboard.css).
_HUES = 12
_SOURCES = {"demo": "Demo data", "serpapi": "Live data from Google via SerpAPI"}
DASH = "\u2013"  # an en dash: no score yet, level with the leader
_STATUS_WORDS = {
    "paused": "Break",
    "postponed": "Postponed",
    "cancelled": "Cancelled",
    "suspended": "Suspended",
    "unknown": "Unclear",
}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True, slots=True)
class Data:
    """One part of the page's data and where it came from (a cached entry)."""

    source: str  # "demo" or "serpapi"
    fetched_at: float  # Unix time
    cache: str  # "hit", "miss" or "stale"


@dataclass(frozen=True, slots=True)
class Board:
    league: League
    leagues: Sequence[League]
    games: Sequence[Game]
    games_data: Data
    standings: Sequence[Standing] | None  # None: the table could not be fetched
    standings_data: Data | None
    standings_problem: str | None  # why there is no table, when it failed
    time_zone: str  # the search's zone: Google's raw date texts are local to it
    now: float
    base: str  # the root path the app is served under ("" or "/prod")
    logos: bool  # whether to load logo images (never for demo data: it works offline)
    refresh: int | None  # seconds until the script should fetch the board again; None: never
    # Official codes by team id ("KC", "MUN"): a badge's text when there is no logo to show.
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    season: Season | None = None  # off-season: said above the games


_SHELL = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>$title</title>
<link rel="icon" href="$base/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="$base/static/scoreboard.css">
<script src="$base/static/scoreboard.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to the scores</a>
<header class="site">
<div class="bar">
<p class="brand"><a href="$base/">sports-api</a> <span>scoreboard</span></p>
<p class="api"><a href="$base/docs">API docs</a></p>
</div>
<nav aria-label="Leagues">
<ul class="leagues">
$leagues
</ul>
</nav>
</header>
<main id="main" tabindex="-1">
$main
</main>
<footer class="site">
<p>The API behind this page: <a href="$base/docs">Swagger UI</a>
· <a href="$base/redoc">ReDoc</a> · <a href="$base/openapi.json">OpenAPI document</a>
· <a href="$base/v1/leagues">league catalogue (JSON)</a></p>
<p>Scores, schedules and tables from Google's sports results, through SerpAPI; demo data without a key.</p>
</footer>
</body>
</html>
""")


def page(title: str, main: str, leagues: Iterable[League], current: str | None, base: str) -> str:
    return _SHELL.substitute(
        title=_e(title), base=_e(base), leagues=_picker(leagues, current, base), main=main
    )


def _picker(leagues: Iterable[League], current: str | None, base: str) -> str:
    items = []
    for league in leagues:
        mark = ' aria-current="page"' if league.slug == current else ""
        items.append(f'<li><a href="{_e(base)}/?league={_e(league.slug)}"{mark}>{_e(league.name)}</a></li>')
    return "\n".join(items)


# --- the scoreboard ------------------------------------------------------------


def scoreboard(board: Board) -> str:
    league, base = board.league, _e(board.base)
    live = [g for g in board.games if g.status in LIVE]
    upcoming = sorted((g for g in board.games if g.status == "scheduled"), key=lambda g: _start(g, math.inf))
    final = sorted((g for g in board.games if g.status == "final"), key=lambda g: -_start(g, -math.inf))
    other = [g for g in board.games if g.status in OTHER]
    refresh = f' data-refresh="{board.refresh}"' if board.refresh is not None else ""
    json_games = f"{base}/v1/leagues/{_e(league.slug)}/games"
    json_table = f"{base}/v1/leagues/{_e(league.slug)}/standings"
    parts = [
        f'<div id="board"{refresh}>',
        '<div class="intro">',
        f'<h1>{_e(league.name)} <span class="sub">scores and table</span></h1>',
        f'<p class="meta">{_about(board.games_data, board.now)}',
        f' · JSON: <a href="{json_games}">games</a>, <a href="{json_table}">table</a></p>',
        _stale_note(board.games_data, board.now, "games"),
        _season_note(board.season),
        "</div>",
        '<div class="columns">',
        '<div class="games">',
        _section("live", "Live", live, board, "No game in progress right now."),
        _section("upcoming", "Upcoming", upcoming, board, "Nothing scheduled in the next few days."),
        _section("final", "Final", final, board, "No recent results."),
        _section("other", "Postponed or unclear", other, board, None) if other else "",
        "</div>",
        _table(board),
        "</div>",
        "</div>",
    ]
    title = f"{league.name} scores and table · sports-api"
    return page(title, "\n".join(p for p in parts if p), board.leagues, league.slug, board.base)


def _start(game: Game, unknown: float) -> float:
    """When the game starts, for ordering: its local day's noon when only the day is known."""
    if game.start_time is not None:
        return game.start_time.timestamp()
    if game.start_date is not None:
        return datetime.combine(game.start_date, time(12), UTC).timestamp()
    return unknown


def _about(data: Data, now: float) -> str:
    label = _SOURCES.get(data.source, data.source)
    return f'<span class="source source-{_e(data.source)}">{_e(label)}</span>, fetched {_ago(data, now)}'


def _ago(data: Data, now: float) -> str:
    moment = datetime.fromtimestamp(data.fetched_at, UTC)
    return (
        f'<time datetime="{_iso(moment)}" data-format="ago" title="{_e(_utc_text(moment))}">'
        f"{_e(ago_text(now - data.fetched_at))}</time>"
    )


def ago_text(seconds: float) -> str:
    """How long ago, for people: "just now", "2 min ago", "1 h 5 min ago", "3 days ago"."""
    minutes = round(max(0.0, seconds) / 60)
    if seconds < 45:
        return "just now"
    if minutes < 60:
        return f"{max(minutes, 1)} min ago"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min ago" if rest else f"{hours} h ago"
    days = minutes // (24 * 60)
    return f"{days} day{'s' if days > 1 else ''} ago"


def _season_note(season: Season | None) -> str:
    """An off-season league says so, with its last game and the new season's first when known."""
    if season is None or season.state != "off_season":
        return ""
    parts = ["Off-season."]
    if season.last_game is not None:
        parts.append(f"Last games on {_day(season.last_game)}.")
    if season.next_game is not None:
        parts.append(f"The new season starts on {_day(season.next_game)}.")
    return f'<p class="season">{_e(" ".join(parts))}</p>'


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b} {day.year}"


def _stale_note(data: Data | None, now: float, what: str) -> str:
    if data is None or data.cache != "stale":
        return ""
    return (
        f'<p class="warning">The data source is not answering: these {what} are the last copy, '
        f"fetched {_e(ago_text(now - data.fetched_at))}.</p>"
    )


def _section(key: str, title: str, games: Sequence[Game], board: Board, empty: str | None) -> str:
    head = f'<h2 id="{key}-heading">{_e(title)} <span class="count">{len(games)}</span></h2>'
    note = ""
    if key == "upcoming" and games:
        note = '<p class="tz-note" data-tz-note>Times are in UTC.</p>'
    if games:
        cards = "\n".join(_card(game, f"{key}-{n}", board) for n, game in enumerate(games, 1))
        body = f'<ol class="cards">\n{cards}\n</ol>'
    else:
        body = f'<p class="empty">{_e(empty)}</p>'
    return (
        f'<section class="group group-{key}" aria-labelledby="{key}-heading">\n'
        f"{head}\n{note}{body}\n</section>"
    )


def _card(game: Game, ident: str, board: Board) -> str:
    final = game.status == "final"
    best = max((t.score for t in game.teams if t.score is not None), default=None)
    winners = (
        {i for i, t in enumerate(game.teams) if t.score == best}
        if final and best is not None and sum(t.score == best for t in game.teams) == 1
        else set()
    )
    rows = "\n".join(
        _team_row(
            team,
            i in winners,
            board.logos,
            show_score=game.status != "scheduled",
            code=board.abbreviations.get(team.id or ""),
        )
        for i, team in enumerate(game.teams)
    )
    where = f'<span class="venue">{_e(game.venue)}</span>' if game.venue else ""
    when = _when(game, board.time_zone)
    foot = " · ".join(p for p in (when, where) if p)
    stage = f'<p class="stage">{_e(game.stage)}</p>' if game.stage else ""
    return (
        f'<li class="game game-{_e(game.status)}" data-game-id="{_e(game.id)}">'
        f'<article aria-labelledby="{ident}">\n'
        f'<h3 class="visually-hidden" id="{ident}">{_e(_matchup(game, board.league))}</h3>\n'
        f"{_status(game)}{stage}"
        f'<ul class="teams">\n{rows}\n</ul>\n'
        f'<p class="when">{foot}</p>\n'
        "</article></li>"
    )


def _matchup(game: Game, league: League) -> str:
    if game.home is not None and game.away is not None:
        if league.order is TeamOrder.AWAY_FIRST:
            return f"{game.away.name} at {game.home.name}"
        return f"{game.home.name} v {game.away.name}"
    return " v ".join(team.name for team in game.teams) or "Game"


def _status(game: Game) -> str:
    if game.status == "scheduled":
        return ""
    if game.status in LIVE:  # paused too: half-time is still the game in progress
        clock = game.clock or game.status_text or _STATUS_WORDS.get(game.status, "")
        text = '<span class="badge badge-live">Live</span>'
        return f'<p class="status">{text} <span class="clock">{_e(clock)}</span></p>\n'
    if game.status == "final":
        word = game.status_text or "Final"
        return f'<p class="status"><span class="badge badge-final">{_e(word)}</span></p>\n'
    word = game.status_text or _STATUS_WORDS.get(game.status, game.status)
    return f'<p class="status"><span class="badge badge-{_e(game.status)}">{_e(word)}</span></p>\n'


def _team_row(team: Team, won: bool, logos: bool, *, show_score: bool, code: str | None = None) -> str:
    score = ""
    if show_score:
        score = f'<span class="score">{_e(team.score) if team.score is not None else DASH}</span>'
    mark = ' class="team winner"' if won else ' class="team"'
    if team.id:  # the live stream's events name teams by id (static/scoreboard.js)
        mark += f' data-team-id="{_e(team.id)}"'
    badge = logo(team.name, team.logo, logos, code)
    return f'<li{mark}>{badge}<span class="name">{_e(team.name)}</span>{score}</li>'


def logo(name: str, url: str | None, load: bool, code: str | None = None) -> str:
    """The team's logo, or its official code ("KC", "MUN") on a colour of its own when there is none to load.

    Initials stand in only for a team outside the catalogue, which has no code.

    Decorative either way (`alt=""`, `aria-hidden`): the team's name is written next to it.
    """
    if load and url and url.startswith("https://"):
        return (
            f'<img class="logo" src="{_e(url)}" alt="" width="28" height="28" '
            'loading="lazy" decoding="async" referrerpolicy="no-referrer">'
        )
    hue = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=2).digest(), "big") % _HUES
    return f'<span class="logo logo-text hue-{hue}" aria-hidden="true">{_e(code or initials(name))}</span>'


def initials(name: str) -> str:
    """ "Man United" → "MU", "Brighton & Hove Albion" → "BHA", "Knicks" → "KNI", "76ers" → "76E"."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    if len(words) >= 2:
        return "".join(w[0] for w in words[:3]).upper()
    return (words[0][:3] if words else "?").upper()


def _when(game: Game, time_zone: str) -> str:
    if game.start_time is not None:
        return _time(game.start_time)
    raw = ", ".join(p for p in (game.date, game.time) if p)
    if not raw:
        return ""
    return f'<span class="raw-when" title="As Google printed it, in {_e(time_zone)} time">{_e(raw)}</span>'


def _time(moment: datetime) -> str:
    return f'<time datetime="{_iso(moment)}" data-format="local">{_e(_utc_text(moment))}</time>'


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %d %b, %H:%M UTC")


# --- the table ---------------------------------------------------------------------

# (field, header, what the header means): a column shows when any row has a value for it.
_COLUMNS = (
    ("played", "P", "Played"),
    ("won", "W", "Won"),
    ("drawn", "D", "Drawn"),
    ("lost", "L", "Lost"),
    ("tied", "T", "Tied"),
    ("overtime_losses", "OTL", "Lost in overtime or a shootout"),
    ("goals_for", "GF", "Goals for"),
    ("goals_against", "GA", "Goals against"),
    ("goal_difference", "GD", "Goal difference"),
    ("points", "Pts", "Points"),
    ("win_percentage", "Pct", "Win percentage"),
    ("games_behind", "GB", "Games behind the leader"),
    ("home_record", "Home", "Home record"),
    ("away_record", "Away", "Away record"),
    ("last_ten", "L10", "Record in the last ten games"),
)
_FORM = {"win": "W", "draw": "D", "loss": "L"}


def _table(board: Board) -> str:
    name = _e(board.league.name)
    head = '<h2 id="table-heading">Table</h2>'
    if board.standings is None:
        why = _e(board.standings_problem or "unavailable")
        body = f'<p class="empty">The table could not be fetched: {why}.</p>'
    elif not board.standings:
        body = f'<p class="empty">Google shows no table for {name} at the moment.</p>'
    else:
        body = _standings(board)
    data = board.standings_data
    about = ""
    if data is not None and board.standings is not None:
        about = f'<p class="meta">{_about(data, board.now)}</p>{_stale_note(data, board.now, "rows")}'
    return (
        '<section class="group group-table" aria-labelledby="table-heading">\n'
        f"{head}\n{body}\n{about}\n</section>"
    )


def _standings(board: Board) -> str:
    """The table; a league Google ranks by division or conference gets a heading row per group."""
    rows = board.standings or ()
    columns = [c for c in _COLUMNS if any(getattr(row, c[0]) is not None for row in rows)]
    if board.league.sport != "soccer":  # US tables say GP for games played
        columns = [("played", "GP", "Games played") if c[0] == "played" else c for c in columns]
    form = any(row.form for row in rows)
    heads = ['<th scope="col"><abbr title="Position">#</abbr></th>', '<th scope="col">Team</th>']
    heads += [
        f'<th scope="col"><abbr title="{_e(full)}">{_e(short)}</abbr></th>' for _, short, full in columns
    ]
    if form:
        heads.append(
            '<th scope="col" class="form-col"><abbr title="Last games, oldest first">Form</abbr></th>'
        )
    groups: dict[str | None, list[Standing]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    bodies = []
    for group, members in groups.items():
        body = []
        if group is not None and len(groups) > 1:
            body.append(
                f'<tr class="group-row"><th scope="colgroup" colspan="{len(heads)}">{_e(group)}</th></tr>'
            )
        body += [_standing_row(row, columns, form, board) for row in members]
        bodies.append("<tbody>\n" + "\n".join(body) + "\n</tbody>")
    caption = f"{_e(board.league.name)} standings"
    return (
        f'<div class="scroll" role="region" aria-labelledby="table-caption" tabindex="0">\n'
        f'<table class="standings">\n<caption id="table-caption">{caption}</caption>\n'
        f"<thead><tr>{''.join(heads)}</tr></thead>\n" + "\n".join(bodies) + "\n</table>\n</div>"
    )


def _standing_row(row: Standing, columns: Sequence[tuple[str, str, str]], form: bool, board: Board) -> str:
    code = board.abbreviations.get(row.team.id or "")
    cells = [
        f'<td class="pos">{_e(row.position) if row.position is not None else ""}</td>',
        f'<th scope="row"><span class="club">{logo(row.team.name, row.team.logo, board.logos, code)}'
        f'<span class="name">{_e(row.team.name)}</span></span></th>',
    ]
    cells += [f"<td>{_e(_cell(field, getattr(row, field)))}</td>" for field, _, _ in columns]
    if form:
        marks = "".join(f'<span class="f f-{_e(r)}" title="{_e(r)}">{_FORM[r]}</span>' for r in row.form)
        cells.append(f'<td class="form-col"><span class="form">{marks}</span></td>')
    return f"<tr>{''.join(cells)}</tr>"


def _cell(field: str, value: object) -> str:
    if value is None:
        return ""
    if field == "win_percentage" and isinstance(value, float):
        return f"{value:.3f}".removeprefix("0") if value < 1 else f"{value:.3f}"
    if field == "games_behind" and isinstance(value, float):
        return DASH if value == 0 else f"{value:g}"
    if field == "goal_difference" and isinstance(value, int) and value > 0:
        return f"+{value}"
    return str(value)


# --- the error page ----------------------------------------------------------------


def error_page(
    status: int,
    title: str,
    detail: str | None,
    *,
    leagues: Iterable[League],
    current: str | None,
    base: str,
    request_id: str | None,
) -> str:
    parts = [
        '<div class="problem">',
        f"<h1>{_e(title)}</h1>",
        f"<p>{_e(detail)}</p>" if detail else "",
        f'<p>Pick a league above, go back to <a href="{_e(base)}/">the scoreboard</a>, '
        f'or read the <a href="{_e(base)}/docs">API docs</a>.</p>',
        f'<p class="meta">HTTP {status}'
        + (f" · request id <code>{_e(request_id)}</code>" if request_id else "")
        + "</p>",
        "</div>",
    ]
    return page(f"{title} · sports-api", "\n".join(p for p in parts if p), leagues, current, base)
