-- Identities: an anonymous id (Segment's anonymous_id) and the user a row carrying both
-- identified it with. The first identification wins (import order, then file order); rows
-- that carry only the anonymous id belong to that user, whenever they are imported.
CREATE TABLE identities (
    anonymous_id TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id)
) WITHOUT ROWID;
