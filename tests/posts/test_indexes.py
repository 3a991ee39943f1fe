"""The posts table carries no index that another one makes useless: every index is written on
each vote (a score and hotness UPDATE is never a HOT update), so each one must earn its place
(docs/performance.md#indexes)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def indexes(table: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, ix.indisunique, ix.indpred IS NOT NULL, am.amname,
                   ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                         FROM generate_series(1, ix.indnkeyatts) AS k),
                   pg_get_indexdef(ix.indexrelid)
            FROM pg_index ix
            JOIN pg_class c ON c.oid = ix.indexrelid
            JOIN pg_class t ON t.oid = ix.indrelid
            JOIN pg_am am ON am.oid = c.relam
            WHERE t.relname = %s
            """,
            [table],
        )
        return [
            {"name": n, "unique": u, "partial": p, "method": m, "keys": k, "sql": sql}
            for n, u, p, m, k, sql in cursor.fetchall()
        ]


def test_no_index_on_posts_is_a_prefix_of_another_or_a_pattern_index_nothing_uses():
    found = indexes("posts_post")
    assert not [i["name"] for i in found if "pattern_ops" in i["sql"]]
    whole = [i for i in found if i["method"] == "btree" and not i["partial"]]
    redundant = [
        (short["name"], long["name"])
        for short in whole
        for long in whole
        if short is not long
        and not short["unique"]
        and long["keys"][: len(short["keys"])] == short["keys"]
    ]
    assert redundant == []
    names = {i["name"] for i in found}
    assert {"post_short_id_unique", "post_normalized_url_idx", "post_author_idx"} <= names
