/*
 * tests/testutil.h — helpers the test programs share: running a program
 * under test the way a user would, and removing a scratch directory.
 */
#ifndef NVEMU_TESTS_TESTUTIL_H
#define NVEMU_TESTS_TESTUTIL_H

#include <glib.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run $@env_var with @args (NULL-terminated) in @dir (NULL: here); *status
 * is the exit code, or 128 + the signal. False if it could not start. */
static inline bool nv_test_run(const char *env_var, const char *dir,
                               const char *const *args, char **out,
                               char **err, int *status)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)g_getenv(env_var));
    for (int i = 0; args[i]; i++) {
        g_ptr_array_add(argv, (char *)args[i]);
    }
    g_ptr_array_add(argv, NULL);
    g_autoptr(GError) e = NULL;
    gint wait = 0;
    if (!g_spawn_sync(dir, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
                      NULL, out, err, &wait, &e)) {
        g_test_message("spawn of $%s failed: %s", env_var, e->message);
        return false;
    }
    *status = WIFEXITED(wait) ? WEXITSTATUS(wait) : 128 + WTERMSIG(wait);
    return true;
}

/* Remove a scratch directory made by g_dir_make_tmp() and everything in
 * it; every removal must succeed (a test that lost track of a file, or
 * left one it cannot remove, fails here). */
static inline void nv_test_rm_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
            !g_file_test(p, G_FILE_TEST_IS_SYMLINK)) {
            nv_test_rm_dir(p);
        } else {
            g_assert_cmpint(unlink(p), ==, 0);
        }
    }
    g_assert_cmpint(rmdir(dir), ==, 0);
}

#endif
