-- Users' external ids are kept unique by an index of their own instead of a UNIQUE constraint, whose
-- index SQLite cannot drop: an import that brings many new users (into a new or small database)
-- builds it once after their rows instead of entry by entry in external-id order, which is random
-- (LabelStore.saveUsers). The table is made again with every row and id, and with it the identities
-- that refer to it; the views that read `users` name it, so they stay as they are.
CREATE TEMP TABLE users_before AS SELECT id, external_id FROM users;
CREATE TEMP TABLE identities_before AS SELECT anonymous_id, user_id FROM identities;
DROP TABLE identities;
DROP TABLE users;
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL
);
INSERT INTO users (id, external_id) SELECT id, external_id FROM temp.users_before ORDER BY id;
CREATE UNIQUE INDEX users_by_external_id ON users (external_id);
CREATE TABLE identities (
    anonymous_id TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id)
) WITHOUT ROWID;
INSERT INTO identities (anonymous_id, user_id) SELECT anonymous_id, user_id FROM temp.identities_before;
DROP TABLE temp.users_before;
DROP TABLE temp.identities_before;
