#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast function pointer that Swift cannot import.
static inline sqlite3_destructor_type csqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/// SQLITE_STATIC, for text and blobs that outlive the statement step.
static inline sqlite3_destructor_type csqlite_static(void) {
    return SQLITE_STATIC;
}

/// sqlite3_db_config is variadic; this wrapper sets one integer option.
static inline int csqlite_db_config_int(sqlite3 *db, int op, int value) {
    return sqlite3_db_config(db, op, value, (int *)0);
}

/// sqlite3_config is variadic; this turns SQLite's memory statistics off (they take a global mutex on
/// every allocation and free). It works only before SQLite is initialized (SQLITE_MISUSE after).
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// A virtual table and a cursor with room for the owner's state (a retained Swift object).
typedef struct { sqlite3_vtab base; void *state; } csqlite_vtab;
typedef struct { sqlite3_vtab_cursor base; void *state; } csqlite_cursor;

#endif
