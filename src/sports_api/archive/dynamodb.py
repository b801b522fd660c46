"""The archive in one DynamoDB table (on demand), shared by every task. Imported only when selected.

The key design (`archive/__init__.py` explains the choice) in attributes:

    pk          "GAME#<source>#<game id>" | "FAVOURITES#<caller>"       the table's only key
    league_pk   "LEAGUE#<source>#<slug>"     GSI `by-league`: league_pk + start_key
    team1_pk    "TEAM#<source>#<team id>"    GSI `by-team1`:  team1_pk  + start_key
    team2_pk    "TEAM#<source>#<team id>"    GSI `by-team2`:  team2_pk  + start_key
    start_key   "<UTC start>#<game id>"      absent while undated: the game is in no index
    expires_at  Unix seconds                 the table's TTL attribute (with ARCHIVE_RETENTION_DAYS)

A game is written with PutItem under
`attribute_not_exists(pk) OR (version = :previous AND (final = :false OR :final = :true))`:
nothing is ever overwritten by a writer that read an older version, and a
stored final by anything but a final. Favourites are one item per caller
with a string set, grown by UpdateItem under a size condition.

The item actions used, and nothing else: GetItem, BatchGetItem, PutItem,
UpdateItem, Query (on the three indexes). The task role is granted exactly
those (cloudformation/service.yaml (ArchiveTable)).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sports_api.archive.records import GameRecord
from sports_api.archive.store import ArchiveError, View
from sports_api.core.errors import FavouritesFull

INDEXES = {
    "league": ("by-league", "league_pk"),
    "team1": ("by-team1", "team1_pk"),
    "team2": ("by-team2", "team2_pk"),
}
_CONDITIONAL = "ConditionalCheckFailedException"


def table_definition(name: str) -> dict[str, Any]:
    """CreateTable's arguments: the ArchiveTable of cloudformation/service.yaml, for tests and local use."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": "S"}
            for attribute in ("pk", "league_pk", "team1_pk", "team2_pk", "start_key")
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": attribute, "KeyType": "HASH"},
                    {"AttributeName": "start_key", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, attribute in INDEXES.values()
        ],
    }


class DynamoStore:
    name = "dynamodb"

    def __init__(self, table: str, *, endpoint_url: str | None = None, region: str | None = None) -> None:
        self.table = table
        config = Config(
            connect_timeout=2,
            read_timeout=5,
            retries={"mode": "standard", "max_attempts": 3},
        )
        try:
            self._client = boto3.session.Session().client(
                "dynamodb", endpoint_url=endpoint_url, region_name=region, config=config
            )
        except (BotoCoreError, ValueError) as exc:
            raise ArchiveError(f"cannot reach DynamoDB: {exc}") from exc

    # -- games ---------------------------------------------------------------

    def get_many(self, source: str, ids: Sequence[str]) -> dict[str, GameRecord]:
        found: dict[str, GameRecord] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 100):
            keys = [{"pk": {"S": _game_pk(source, game_id)}} for game_id in unique[start : start + 100]]
            request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(6):
                answer = self._call("batch_get_item", RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table, []):
                    record = _record(item)
                    found[record.id] = record
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.05 * 2**attempt)  # throttled: DynamoDB asks for a back-off
            else:
                raise ArchiveError("DynamoDB batch_get_item left keys unprocessed after 6 attempts")
        return found

    def write(self, records: Sequence[GameRecord]) -> list[str]:
        conflicts = []
        for record in records:
            item = _item(record)
            names = {"#pk": "pk"}
            if record.version == 1:
                condition, values = "attribute_not_exists(#pk)", {}
            else:
                condition = "attribute_exists(#pk) AND #v = :previous AND (#f = :no OR :final = :yes)"
                names.update({"#v": "version", "#f": "final"})
                values = {
                    ":previous": {"N": str(record.version - 1)},
                    ":no": {"BOOL": False},
                    ":yes": {"BOOL": True},
                    ":final": {"BOOL": record.final},
                }
            arguments: dict[str, Any] = {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
            }
            if values:
                arguments["ExpressionAttributeValues"] = values
            try:
                self._client.put_item(**arguments)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == _CONDITIONAL:
                    conflicts.append(record.id)
                    continue
                raise ArchiveError(f"DynamoDB archive write failed: {exc}") from exc
            except BotoCoreError as exc:
                raise ArchiveError(f"DynamoDB archive write failed: {exc}") from exc
        return conflicts

    def query(
        self, source: str, view: View, lower: str | None, upper: str | None, after: str | None, limit: int
    ) -> list[GameRecord]:
        if view.kind == "league":
            targets = [("league", f"LEAGUE#{source}#{view.subject}")]
        else:
            targets = [(index, f"TEAM#{source}#{view.subject}") for index in ("team1", "team2")]
        streams = [self._query(INDEXES[index], key, lower, upper, after, limit) for index, key in targets]
        merged = {record.id: record for stream in streams for record in stream}
        return sorted(merged.values(), key=lambda record: record.start_key or "")[:limit]

    def _query(
        self,
        index: tuple[str, str],
        partition: str,
        lower: str | None,
        upper: str | None,
        after: str | None,
        limit: int,
    ) -> list[GameRecord]:
        name, attribute = index
        values: dict[str, Any] = {":p": {"S": partition}}
        # Keys are "<stamp>#<id>": the least key above `after` is `after` + "\0",
        # and no key equals a bare stamp, so "<= upper" is "< upper".
        low = max(filter(None, (lower, after + "\0" if after else None)), default=None)
        if low is not None and upper is not None and low > upper:
            return []  # an empty range: DynamoDB refuses a BETWEEN whose bounds are reversed
        condition = f"{attribute} = :p"
        if low is not None and upper is not None:
            condition += " AND start_key BETWEEN :low AND :high"
            values.update({":low": {"S": low}, ":high": {"S": upper}})
        elif low is not None:
            condition += " AND start_key >= :low"
            values[":low"] = {"S": low}
        elif upper is not None:
            condition += " AND start_key <= :high"
            values[":high"] = {"S": upper}
        arguments: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        records: list[GameRecord] = []
        while len(records) < limit:
            answer = self._call("query", **arguments)
            records.extend(_record(item) for item in answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                break
            arguments["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
            arguments["Limit"] = limit - len(records)
        return records[:limit]

    def purge(self, now: float) -> int:
        return 0  # the table's TTL forgets expired games itself

    # -- favourites ----------------------------------------------------------

    def favourites(self, caller: str) -> list[str]:
        answer = self._call(
            "get_item", TableName=self.table, Key={"pk": {"S": _favourites_pk(caller)}}, ConsistentRead=True
        )
        return sorted(answer.get("Item", {}).get("teams", {}).get("SS", []))

    def add_favourite(self, caller: str, team: str, limit: int, now: float) -> bool:
        try:
            answer = self._client.update_item(
                TableName=self.table,
                Key={"pk": {"S": _favourites_pk(caller)}},
                UpdateExpression="ADD #teams :team SET #updated = :now",
                ConditionExpression="attribute_not_exists(#teams) OR size(#teams) < :limit "
                "OR contains(#teams, :id)",
                ExpressionAttributeNames={"#teams": "teams", "#updated": "updated_at"},
                ExpressionAttributeValues={
                    ":team": {"SS": [team]},
                    ":id": {"S": team},
                    ":limit": {"N": str(limit)},
                    ":now": {"N": repr(now)},
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == _CONDITIONAL:
                raise FavouritesFull(
                    f"A caller may keep {limit} favourite teams; remove one first.", limit=limit
                ) from None
            raise ArchiveError(f"DynamoDB favourites write failed: {exc}") from exc
        except BotoCoreError as exc:
            raise ArchiveError(f"DynamoDB favourites write failed: {exc}") from exc
        return team not in answer.get("Attributes", {}).get("teams", {}).get("SS", [])

    def remove_favourite(self, caller: str, team: str) -> bool:
        answer = self._call(
            "update_item",
            TableName=self.table,
            Key={"pk": {"S": _favourites_pk(caller)}},
            UpdateExpression="DELETE #teams :team",
            ExpressionAttributeNames={"#teams": "teams"},
            ExpressionAttributeValues={":team": {"SS": [team]}},
            ReturnValues="ALL_OLD",
        )
        return team in answer.get("Attributes", {}).get("teams", {}).get("SS", [])

    def close(self) -> None:
        self._client.close()

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        try:
            return getattr(self._client, operation)(**arguments)
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(f"DynamoDB {operation} failed: {exc}") from exc


def _game_pk(source: str, game_id: str) -> str:
    return f"GAME#{source}#{game_id}"


def _favourites_pk(caller: str) -> str:
    return f"FAVOURITES#{caller}"


def _item(record: GameRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": _game_pk(record.source, record.id)},
        "source": {"S": record.source},
        "id": {"S": record.id},
        "status": {"S": record.status},
        "final": {"BOOL": record.final},
        "observed_at": {"N": repr(record.observed_at)},
        "first_seen": {"N": repr(record.first_seen)},
        "last_seen": {"N": repr(record.last_seen)},
        "game": {"S": json.dumps(record.game, separators=(",", ":"))},
        "version": {"N": str(record.version)},
    }
    if record.start_key is not None:
        item["start_key"] = {"S": record.start_key}
    if record.league is not None:
        item["league"] = {"S": record.league}
        item["league_pk"] = {"S": f"LEAGUE#{record.source}#{record.league}"}
    for slot, team in zip(("team1", "team2"), record.teams, strict=False):
        item[slot] = {"S": team}
        item[f"{slot}_pk"] = {"S": f"TEAM#{record.source}#{team}"}
    if record.expires_at is not None:
        item["expires_at"] = {"N": str(record.expires_at)}
    return item


def _record(item: dict[str, Any]) -> GameRecord:
    def number(name: str) -> float:
        return float(Decimal(item[name]["N"]))

    return GameRecord(
        source=item["source"]["S"],
        id=item["id"]["S"],
        league=item["league"]["S"] if "league" in item else None,
        teams=tuple(item[slot]["S"] for slot in ("team1", "team2") if slot in item),
        start_key=item["start_key"]["S"] if "start_key" in item else None,
        status=item["status"]["S"],
        final=item["final"]["BOOL"],
        observed_at=number("observed_at"),
        first_seen=number("first_seen"),
        last_seen=number("last_seen"),
        game=json.loads(item["game"]["S"]),
        version=int(item["version"]["N"]),
        expires_at=int(item["expires_at"]["N"]) if "expires_at" in item else None,
    )
