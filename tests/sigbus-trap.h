/*
 * tests/sigbus-trap.h — the parent's side of a SIGBUS test: run this test
 * in a subprocess (which must fault in a watched backend's mapping) and
 * check it died with the one line naming memory-backend-file @id (@path).
 */
#ifndef NVEMU_TESTS_SIGBUS_TRAP_H
#define NVEMU_TESTS_SIGBUS_TRAP_H

#include <glib.h>

static inline void sigbus_trap_assert(const char *id, const char *path)
{
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_autofree char *line = g_strdup_printf(
        "*nvemu: memory-backend-file %s (%s): nvemu's access to it failed "
        "(SIGBUS), the host cannot back it: Input/output error (or the "
        "file shrank)\n", id, path);
    g_test_trap_assert_stderr(line);
}

#endif
