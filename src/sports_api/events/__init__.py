"""Live push: what changed in a refreshed answer, sent to everyone watching it (issue 23).

- `changes`: the game events one refresh makes (which games changed, and how),
  and the Server-Sent Events framing they are sent in;
- `hub`: this task's streams, grouped by topic (a league, a team, a caller's
  favourites), the recent changes a reconnecting client resumes from, and
  the fan-out, where no subscriber ever waits on another;
- `bus`: the same changes between tasks, through Redis pub/sub;
- `keeper`: while anyone watches, the answers behind a topic are refreshed
  through the service as a request would, and so at no extra search;
- `stream`: one client's stream: snapshot, changes, heartbeats, and a close
  (with `retry:`) before API Gateway's 15-minute limit or at shutdown.
"""
