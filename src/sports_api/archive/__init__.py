"""The archive: every game the service has normalised, kept past Google's box; and favourite teams.

Google's sports box shows a handful of recent and upcoming games, and the
cache forgets an answer soon after. The archive keeps each game, by its
stable id, as the newest answer showed it (`records.merge` has the rule), so
`/v1/leagues/{slug}/results` and `/v1/teams/{team}/results` can answer "how
did Arsenal do in October" without a search. It also keeps each caller's
favourite teams (`/v1/me/*`).

Backends, behind `store.ArchiveStore` and chosen by ARCHIVE_BACKEND:

- `sqlite` (default): one file under DATA_DIR, standard library only, for
  `make run` and a single task;
- `dynamodb`: one on-demand table shared by every task (the service stack);
- `off`: nothing kept; the results and favourites routes answer 503.

Key design (the DynamoDB table; the SQLite tables mirror it). The question
is always "a league's, or a team's, games between two instants, in start
order". One item per game, keyed by the game, and three sparse global
secondary indexes that order it by start within its league and within each
of its two teams:

    table     pk = GAME#<source>#<game id>                (and FAVOURITES#<caller>)
    by-league league_pk = LEAGUE#<source>#<slug>, start_key
    by-team1  team1_pk  = TEAM#<source>#<team id>, start_key
    by-team2  team2_pk  = TEAM#<source>#<team id>, start_key
    start_key = <UTC start, 2026-10-04T14:00:00Z>#<game id>

A date range is one Query on an index (`start_key BETWEEN`), a team's range
two (its games as either side), merged; never a Scan. One item per game,
rather than a copy per view, means an upsert is one conditional PutItem (the
"an older answer never overwrites a final" rule holds atomically), and a
game whose start moves is re-indexed by DynamoDB itself, with no stale copy
left under the old key. The price: each game write also writes the indexes
that hold it (up to three), and index reads are eventually consistent, so a
game written a moment ago may be missing from a results page for that
moment. `source` (serpapi or demo) is part of every key: demo games never
appear in a live deployment's results. A game whose start is unknown has no
`start_key` and is in no index until an answer dates it. With
ARCHIVE_RETENTION_DAYS, `expires_at` (the table's TTL attribute) lets
DynamoDB forget a game that many days after it was last seen.
"""

from sports_api.archive.records import GameRecord, Sighting, merge
from sports_api.archive.store import ArchiveError, ArchiveStore, View, upsert
from sports_api.archive.writer import Archive

__all__ = ["Archive", "ArchiveError", "ArchiveStore", "GameRecord", "Sighting", "View", "merge", "upsert"]
